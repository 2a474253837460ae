# syntax=docker/dockerfile:1
# Multi-stage image for the Mealplanner API (and, with another command, the worker).
#   docker build -t mealplanner .
#   docker run -e MEALPLANNER_JWT_SECRET=... -e MEALPLANNER_DATABASE_URL=... -p 8000:8000 mealplanner
ARG PYTHON_IMAGE=python:3.11-slim

# -- builder: install the locked dependencies into a virtualenv ------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The lockfile alone first, so dependency layers are cached across code changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-deps . && python -m compileall -q /opt/venv/lib

# -- runtime: slim, non-root, no compilers, no source tree ------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MEALPLANNER_ENV=production \
    MEALPLANNER_DATA_DIR=/data \
    MEALPLANNER_LOG_FORMAT=json
RUN groupadd --system --gid 10001 mealplanner \
 && useradd --system --uid 10001 --gid mealplanner --home-dir /data --shell /usr/sbin/nologin mealplanner \
 && mkdir -p /data \
 && chown mealplanner:mealplanner /data
COPY --from=builder /opt/venv /opt/venv
USER mealplanner:mealplanner
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# /health is the liveness check (no dependencies); the load balancer uses it too.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=2 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"]
# Uvicorn drains in-flight requests for up to 30 s on SIGTERM; give it that long (compose:
# stop_grace_period, Kubernetes: terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
CMD ["mealplanner", "serve", "--host", "0.0.0.0", "--port", "8000"]
