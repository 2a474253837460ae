import { useEffect, useRef } from "react";
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import type { Schemas } from "../api/client";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export default function DailyChart({ daily }: { daily: Schemas["DailyCounts"][] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels: daily.map((d) => d.date.slice(5)),
        datasets: [
          { label: "Sign-ups", data: daily.map((d) => d.registrations ?? 0), backgroundColor: "#1f6f43" },
          { label: "Active users", data: daily.map((d) => d.activeUsers ?? 0), backgroundColor: "#3b6fb6" },
          { label: "Meals planned", data: daily.map((d) => d.mealsPlanned ?? 0), backgroundColor: "#d98c1a" },
        ],
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    return () => chart.destroy();
  }, [daily]);
  const total = daily.reduce((n, d) => n + (d.mealsPlanned ?? 0), 0);
  return (
    <div className="chart-box">
      <canvas ref={canvas} role="img" aria-label={`Daily sign-ups, active users and meals planned over ${daily.length} days; ${total} meals planned in all`} />
    </div>
  );
}
