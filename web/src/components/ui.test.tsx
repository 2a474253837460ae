import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { Field, Meter } from "./ui";
import { AuthPage } from "../pages/AuthPage";
import { AuthProvider } from "../auth";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("Field", () => {
  it("labels the input and ties the error to it", () => {
    render(<Field label="Email" name="email" error="Already taken" />);
    const input = screen.getByLabelText("Email");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const describedBy = input.getAttribute("aria-describedby")!;
    expect(document.getElementById(describedBy)?.textContent).toBe("Already taken");
  });
});

describe("Meter", () => {
  it("exposes value against target", () => {
    render(<Meter label="Protein" value={50} target={100} unit="g" />);
    const meter = screen.getByRole("meter", { name: "Protein against target" });
    expect(meter.getAttribute("aria-valuenow")).toBe("50");
    expect(screen.getByText("50 / 100 g")).toBeTruthy();
  });
});

describe("AuthPage", () => {
  it("shows the server's validation error next to the field", async () => {
    const fetchMock = vi.fn(async (input: Request) => {
      if (input.url.endsWith("/auth/register")) {
        expect(input.headers.get("X-Auth-Mode")).toBe("cookie");
        return new Response(
          JSON.stringify({ error: { code: "CONFLICT", message: "Email taken", details: { email: "An account with this email already exists" } } }),
          { status: 409, headers: { "Content-Type": "application/json" } },
        );
      }
      return new Response("{}", { status: 401, headers: { "Content-Type": "application/json" } });
    });
    vi.stubGlobal("fetch", fetchMock);
    render(<AuthProvider><AuthPage mode="signup" /></AuthProvider>);
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Ada" } });
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "longenough" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign up" }));
    await waitFor(() => expect(screen.getByText("An account with this email already exists")).toBeTruthy());
    expect(screen.getByLabelText("Email").getAttribute("aria-invalid")).toBe("true");
    // The token never lands in web storage.
    expect(localStorage.length).toBe(0);
  });
});
