import importlib.util
import time
from importlib import resources
from pathlib import Path

import pytest

from mealplanner.foods.table import Food, get_food_table, load_food_table


def test_lookup_by_ndb_no() -> None:
    table = get_food_table()
    egg = table["01123"]
    assert egg.description == "Egg, whole, raw, fresh"
    assert egg.nutrients["energy_kcal"] == 143
    assert table.get("1123") is egg
    assert "01123" in table
    assert "nope" not in table
    assert table.get("nope") is None
    assert len(table) > 6000
    assert isinstance(hash(egg), int)


def test_branded_and_baby_foods_are_not_shipped() -> None:
    table = get_food_table()
    assert all(food.group_code != "0300" for food in table.all())


def test_portions() -> None:
    garlic = get_food_table()["11215"]
    cloves = [p for p in garlic.portions if p.measure == "cloves"]
    assert cloves[0].grams_per_unit == 3


@pytest.mark.parametrize(
    ("ndb_no", "quantity", "unit", "grams"),
    [
        ("20081", 1, "cup", 125),
        ("04053", 1, "tbsp", 13.5),
        ("01001", 1, "stick", 113),
        ("11215", 2, "cloves", 6),
        ("09150", 1, None, 58),
        ("11282", 1, None, 110),
        ("11282", 1, "large", 150),
        ("02047", 1, "dash", 0.4),
        ("04053", 100, "g", 100),
        ("04053", 1, "lb", 453.592),
    ],
)
def test_grams_for(ndb_no: str, quantity: float, unit: str | None, grams: float) -> None:
    assert get_food_table().grams_for(ndb_no, quantity, unit) == pytest.approx(grams)


def test_density_fallback_when_food_has_no_volume_portion() -> None:
    table = get_food_table()
    food = next(
        f
        for f in table.all()
        if f.group_code == "0400"
        and not any(p.unit in {"cup", "tbsp", "tsp", "fl oz"} for p in f.portions)
    )
    assert table.grams_for(food, 100, "ml") == pytest.approx(92)


def test_grams_for_unknown_food_or_unit() -> None:
    table = get_food_table()
    assert table.grams_for("99999", 1, "cup") is None
    assert table.grams_for("20081", 1, "furlong") is None
    assert isinstance(table["20081"], Food)


def test_load_is_fast() -> None:
    start = time.perf_counter()
    load_food_table()
    assert time.perf_counter() - start < 1.0  # about 0.07 s locally; loose for slow CI


SHARED_SOURCE = Path("/work/shared/data/nutrition")


@pytest.mark.skipif(not SHARED_SOURCE.exists(), reason="shared USDA tables not available")
def test_build_script_reproduces_shipped_tables(tmp_path: Path) -> None:
    script = Path(__file__).parents[2] / "scripts" / "build_food_tables.py"
    spec = importlib.util.spec_from_file_location("build_food_tables", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(SHARED_SOURCE, tmp_path)
    shipped = resources.files("mealplanner.foods") / "data"
    for name in ("foods.csv", "portions.csv", "food_groups.csv", "PROVENANCE.md"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


def test_data_files_are_package_resources() -> None:
    data = resources.files("mealplanner.foods") / "data"
    for name in ("foods.csv", "portions.csv", "food_groups.csv", "aliases.csv", "PROVENANCE.md"):
        assert (data / name).is_file(), name
