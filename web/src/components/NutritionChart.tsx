import { useEffect, useRef } from "react";
import { ArcElement, Chart, DoughnutController, Legend, Tooltip } from "chart.js";

Chart.register(DoughnutController, ArcElement, Tooltip, Legend);

/** Calories from protein, carbs and fat (4/4/9 kcal per gram). */
export default function NutritionChart({ proteinG, carbsG, fatG }: { proteinG: number; carbsG: number; fatG: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "doughnut",
      data: {
        labels: ["Protein", "Carbs", "Fat"],
        datasets: [{ data: [proteinG * 4, carbsG * 4, fatG * 9].map(Math.round), backgroundColor: ["#1f6f43", "#d98c1a", "#3b6fb6"] }],
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } },
    });
    return () => chart.destroy();
  }, [proteinG, carbsG, fatG]);
  return (
    <div className="chart-box small-chart">
      <canvas ref={canvas} role="img" aria-label={`Calories by macro: protein ${Math.round(proteinG)} g, carbs ${Math.round(carbsG)} g, fat ${Math.round(fatG)} g`} />
    </div>
  );
}
