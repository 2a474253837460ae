"""Diet flags and allergens derived from a recipe's foods and nutrition.

Each food gets *traits* ("meat", "dairy", "gluten", "tree-nut", ...) from its USDA food group
plus keyword rules on its description, so mixed dishes ("Soup, cream of chicken") carry every
trait their name reveals. Unlinked ingredient names go through the same keyword rules
(``classify_name``), so an unlinked "fish sauce" still marks a dish as not vegetarian.

Choices worth knowing (see docs/nutrition.md):

* Oats are treated as containing gluten (trait "gluten", not "wheat") unless the text says
  "gluten-free": ordinary oats are routinely contaminated with wheat, and the FDA allows the
  gluten-free label only on oats tested below 20 ppm.
* Coconut is not a tree nut, following the FDA's 2025 allergen guidance.
* "meat" is red meat, pork and game; poultry is its own trait ("Chicken, dark meat" is poultry
  only). Vegetarian, vegan and pescatarian exclude both.
* Negated words ("not breaded", "without peanuts") and what a fat is *for* ("Shortening,
  special purpose for cakes") are ignored.
* "shellfish" covers crustaceans and molluscs (clams, squid): broader than the FDA's
  crustacean-only major allergen, because people avoiding shellfish usually avoid both.
* Margarine may contain milk, so it is treated as dairy.
* Paleo allows honey and maple syrup; other sugars and syrups are "added-sugar".
* Nutrition thresholds are per serving: low-carb <= 20 g carbohydrate; keto <= 10 g net
  carbohydrate and >= 60 % of energy from fat; low-sodium <= 140 mg sodium (the FDA "low
  sodium" limit per reference amount); high-protein >= 20 g protein and >= 25 % of energy
  from protein.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from mealplanner.core.vocab import ALLERGENS, DIETS
from mealplanner.foods.nutrition import Nutrients
from mealplanner.foods.table import Food


@dataclass(frozen=True, slots=True)
class DietaryInfo:
    flags: frozenset[str]
    allergens: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Rule:
    traits: frozenset[str]
    pattern: re.Pattern[str]
    # Phrases blanked out before ``pattern`` is tried ("peanut butter" is not dairy).
    exempt: re.Pattern[str] | None = None


def _rule(traits: str, pattern: str, exempt: str | None = None) -> _Rule:
    return _Rule(
        frozenset(traits.split()),
        re.compile(pattern),
        re.compile(exempt) if exempt else None,
    )


_NUT_WORDS = (
    r"almonds?|cashews?|walnuts?|pecans?|pistachios?|hazelnuts?|filberts?|macadamias?|"
    r"brazil ?nuts?|brazilnuts?|pine ?nuts?|pinyon|pi[nñ]on|pignoli|chestnuts?|beechnuts?|"
    r"butternuts?|hickory ?nuts?|praline|marzipan|frangipane|gianduja|nutella|pesto"
)
_PASTA_WORDS = (
    r"pasta|spaghetti|macaroni|noodles?|lasagnas?|lasagne|ravioli|tortellini|orzo|fettuccine|"
    r"linguine|penne|rigatoni|fusilli|farfalle|vermicelli|gnocchi|ramen|udon|soba|couscous"
)
_BREAD_WORDS = (
    r"breads?|breadcrumbs?|crumbs|panko|croutons?|crackers?|pretzels?|bagels?|croissants?|"
    r"muffins?|biscuits?|cookies?|cakes?|pies?|pastry|pastries|pizza|dumplings?|wontons?|"
    r"pancakes?|waffles?|crepes?|pitas?|naan|flatbreads?|roti|chapati|buns?|rolls?|brioche|"
    r"doughnuts?|donuts?|batter|breaded|roux|stuffing|graham|phyllo|filo|puff pastry"
)
_NON_WHEAT_FLOURS = (
    r"(?:rice|corn|almond|coconut|potato|soy|chickpea|garbanzo|buckwheat|tapioca|cassava|"
    r"arrowroot|chestnut|oat|sorghum|teff|millet|quinoa|amaranth|lupin|peanut|sesame|hemp|"
    r"carob|banana|mesquite|masa|cornmeal|blue cornmeal|cottonseed|flaxseed|flax|"
    r"(?:sunflower|pumpkin|squash|watermelon|chia) seed)"
)
# Phrases naming what a fat or oil is *for*, not what it contains ("Shortening, special
# purpose for cakes", "Oil, coconut, principal uses candy coatings, ... roasting nuts").
# Blanked (USDA puts "principal uses" last) before any rule runs.
_USAGE: Final = re.compile(
    r"\b(?:principal uses?|typical basis for|uses similar to|use for|used for|multiuse for)"
    r"\b[^;]*"
    r"|\b(?:special purpose for|for (?:flaky )?(?:pastries|breads?|cakes?|frying|baking|woks))"
    r"\b[^,;]*"
)
# Negated words ("not breaded", "not sweetened", "without peanuts", "without meat or
# noodles", "non-soy", "no meat", "flavors other than chocolate"), blanked before any rule
# runs. Traits the rest of the text names still count ("without milk, whole milk added").
_NEGATION: Final = re.compile(
    r"\b(?:without|not|no|non|other than)[- ](?:added )?[\w']+(?: or [\w']+)?"
)
# Internal trait for words that mean animal flesh without naming the animal ("meat",
# "liver", "meatballs", a group 0700 luncheon meat). It becomes "meat" (red meat, pork, game)
# unless the text also names poultry, fish or shellfish: "Chicken, dark meat, thigh" is poultry
# only, "Fish oil, cod liver" is fish only.
_ANY_MEAT: Final = "any-meat"
_MEAT_SPECIES = (
    r"beef|veal|pork|lamb|mutton|goat|venison|elk|bison|buffalo|rabbit|moose|caribou|deer|"
    r"boar|oxtail|lard|tallow|suet|whale|seal|walrus|beaver|squirrel|bear|mortadella|"
    r"guanciale|pancetta|prosciutto|liverwurst|corned beef|spam|brisket|carnitas|"
    r"meats? (?:and|or|&) poultry"
)
# Cured and processed meats: pork or beef unless the text says they are made of poultry
# ("turkey bacon", "Bologna, turkey", "Sausage, chicken or turkey").
_CHARCUTERIE = (
    r"bacon|ham|hams|sausages?|salami|pepperoni|chorizo|bologna|kielbasa|bratwurst|pastrami|"
    r"frankfurters?|hot ?dogs?|wieners?"
)
_BIRDS = r"(?:chicken|turkey|duck|goose)"

_RULES: Final[tuple[_Rule, ...]] = (
    _rule(
        "dairy",
        r"\b(?:milks?|cheeses?|butter|cream|creamer|yogh?urts?|whey|casein|caseinate|ghee|"
        r"kefir|buttermilk|lactose|curds?|paneer|ricotta|mozzarella|parmesan|parmigiano|"
        r"cheddar|feta|brie|gouda|gruy[eè]re|halloumi|mascarpone|pecorino|camembert|emmental|"
        r"manchego|provolone|burrata|queso|cotija|stilton|roquefort|gorgonzola|asiago|havarti|"
        r"custard|eggnog|gelato|labneh|skyr|quark|margarine|alfredo|bechamel|béchamel|"
        r"half[- ]and[- ]half|ranch|tzatziki|raita|dulce de leche|pesto)\b",
        r"(?:coconut|almond|soy|soya|rice|oat|cashew|hemp|plant|nut|peanut|seed|sunflower|"
        r"apple|cocoa|shea|pea|macadamia|hazelnut|sesame|pumpkin|pistachio|walnut|pecan|"
        r"tofu|nutmeg|ucuhuba|mango|kokum|hard)"
        r"(?: seed)?[- ]?(?:milk|butter|cream|yogh?urt|creamer)"
        r"|soymilk|butternuts?|butterhead|bread and butter|butter ?beans?|cream of tartar|"
        r"cream of coconut|"
        r"cream[- ]style|milk ?thistle|milkfish|ice cream bean|non-?dairy|dairy[- ]free|"
        r"without (?:milk|cheese|butter|cream)|butterscotch|custard[- ]apples?|"
        r"ranch[- ]style|ranch steaks?|(?:soy|soya|soybean|bean),? curd(?: cheese)?",
    ),
    _rule(
        "egg",
        r"\b(?:eggs?|egg ?whites?|egg ?yolks?|yolks?|eggnog|mayonnaise|mayo|aioli|meringues?|"
        r"custard|hollandaise|b[eé]arnaise|carbonara)\b",
        r"eggless|egg[- ]free|without eggs?|vegan mayo(?:nnaise)?|custard[- ]apples?|"
        r"tofu mayo(?:nnaise)?|mayonnaise, made with tofu",
    ),
    _rule(
        "fish",
        r"\b(?:\w*fish|anchov(?:y|ies)|salmon|tuna|cod|halibut|trout|sardines?|mackerel|tilapia|"
        r"haddock|pollock|pollack|snapper|herring|flounder|mahi[- ]?mahi|monkfish|perch|pike|"
        r"carp|eels?|roe|caviar|bonito|dashi|worcestershire|caesar|surimi|lox|sprats?|smelts?|"
        r"shad|grouper|sturgeon|turbot|pompano|barramundi|sea bass|bass|bream|hake|skate|shark|"
        r"nam pla|whiting|sole|kipper|pilchards?|branzino)\b",
        r"shellfish|crayfish|crawfish|cuttlefish|jellyfish|starfish|fish[- ]free|"
        r"vegan fish sauce",
    ),
    _rule(
        "shellfish",
        r"\b(?:shellfish|seafood|shrimps?|prawns?|crabs?|crabmeat|lobsters?|langoustines?|"
        r"crayfish|crawfish|clams?|mussels?|oysters?|scallops?|squid|calamari|octopus|"
        r"cuttlefish|abalone|conch|whelks?|snails?|escargots?|krill|crustaceans?|mollusks?|"
        r"molluscs?)\b",
        # Oyster mushrooms, salsify ("vegetable oyster"), scallop (pattypan) squash, and the
        # "oyster" cut of a bird or a beef "oyster blade".
        r"oyster ?mushrooms?|mushrooms?, oyster|oyster plant|vegetable oyster|oyster blade|"
        r"(?:emu|ostrich|chicken|turkey), oyster|scallop squash|squash[^;]*?\bscallop",
    ),
    _rule(
        "poultry",
        r"\b(?:chickens?|turkeys?|ducks?|duckling|goose|geese|quail|pheasant|poultry|hens?|"
        r"foie gras|emu|ostrich|squab|guinea hen|capon)\b",
        r"duck sauce|chicken[- ]free|turkey ?berry|hen[- ]of[- ]the[- ]woods|poultry seasoning|"
        # Bird eggs are eggs, not poultry: "Egg, duck, whole", "quail eggs".
        r"eggs?,? (?:duck|goose|quail|turkey|hen)\b|(?:duck|goose|quail|turkey|hen'?s?) eggs?",
    ),
    _rule(
        "meat",
        r"\b(?:" + _MEAT_SPECIES + "|" + _CHARCUTERIE + r")\b",
        # Milk and cheese of goats, sheep and buffalo are dairy.
        r"(?:goat|sheep|ewe|buffalo)(?:'?s)? (?:cheeses?|milks?|yogh?urts?|butter|cream|"
        r"kefir|ricotta|feta|mozzarella|curds?)"
        r"|(?:cheeses?|milks?|yogh?urts?|butter|kefir),? (?:[a-z]+ )?(?:goat|sheep|ewe|buffalo)"
        # Poultry versions of processed meats.
        r"|" + _BIRDS + r" (?:" + _CHARCUTERIE + r")\b"
        r"|\b(?:"
        + _CHARCUTERIE
        + r"),?(?: (?!(?:"
        + _MEAT_SPECIES
        + r")\b)[\w-]+,?){0,2} "
        + _BIRDS
        + r"\b"
        r"(?:(?:,| or| and) " + _BIRDS + r"\b)*"
        r"|imitation|soy meat|buffalo (?:wing )?sauce|buffalo mozzarella|bear claws?"
        r"|hot ?dog (?:rolls?|buns?|relish)|(?:rolls?|buns?|relish),?[^;]{0,20}?\bhot ?dogs?",
    ),
    _rule(
        _ANY_MEAT,
        r"\b(?:meat|meats|meaty|meatballs?|meatloaf|liver|livers|jerky|steaks?|bone broth|gyro|"
        r"game|offal|tripe|bone marrow|luncheon meat)\b",
        r"(?:tuna|salmon|swordfish|halibut|cauliflower|cabbage|mushroom|tofu) steaks?"
        r"|steak[- ](?:fries|cut)|meatless|imitation|soy meat|nutmeats?|coconut meat"
        r"|grated meat|crab ?meat|(?:nut|kernel|seed)s?, meat|meat only"
        r"|meat (?:extenders?|substitutes?|analogu?es?|alternatives?)",
    ),
    _rule("gelatin", r"\b(?:gelatine?|jell-?o|marshmallows?|aspic)\b"),
    _rule("honey", r"\bhoney\b"),
    _rule(
        "gluten wheat grain",
        r"\b(?:wheat|flour|semolina|durum|spelt|farro|kamut|khorasan|einkorn|emmer|triticale|"
        r"seitan|bulgur|bulghur|freekeh|soy sauce|shoyu|teriyaki|hoisin|" + _PASTA_WORDS + "|"
        r"tortillas?|" + _BREAD_WORDS + r")\b",
        # Longest alternatives first: "buckwheat flour" must be blanked whole.
        _NON_WHEAT_FLOURS + r" (?:flour|starch|noodles?|pasta|bread|cakes?)|buckwheat"
        r"|(?:flour|noodles|pasta|tortillas?)[^;]{0,40}?\b" + _NON_WHEAT_FLOURS + r"\b"
        r"|(?:" + _PASTA_WORDS + r"|breads?),? made (?:from|with) " + _NON_WHEAT_FLOURS + r"\b"
        r"|(?:blue )?corn(?:meal)? breads?|breads?, blue corn|arepas?"
        r"|rice (?:noodles?|vermicelli|paper|sticks)|cellophane|glass noodles|bean threads?|"
        r"shirataki|kelp noodles|zucchini noodles|zoodles|corn tortillas?|taco shells?|"
        r"tostada shells?|tortilla chips?|tortillas?[^;]{0,30}?\bcorn\b|"
        # Tamari is the wheat-free soy sauce ("Soy sauce made from soy (tamari)").
        r"soy sauce(?: made from soy)? \(tamari\)|tamari soy sauce|tamari|"
        r"(?:fish|crab|rice|corn|potato|salmon|popcorn),? cakes?|rice crackers?|"
        r"rice cakes?, crackers?|cornbread|cheese ?cake|pancake syrup|"
        r"meat pie|pot pie|cottage pie|shepherd'?s pie|sweet rolls?|egg rolls?|spring rolls?|"
        r"cabbage rolls?|sushi rolls?|"
        # Sauces, seasonings and squash named after pasta or pizza.
        r"(?:pasta|spaghetti|pizza|lasagna|marinara)[ /,]*(?:sauces?|seasonings?)|"
        r"sauces?,(?: (?:pasta|spaghetti|pizza)[,/]?)+|spaghetti squash|"
        r"squash[^;]*?\bspaghetti|pie spice|pie fillings?|pumpkin pie mix|"
        # A "roll" of meat is its shape; fruit rolls are candy.
        r"(?:blade|eye|cube|breast|pork|beef|chicken|turkey|ham|sausage|meat|loaf or) rolls?|"
        r"honey roll sausage|fruit rolls?(?:[- ]ups?)?|candy rolls?|roll[- ]ups?|"
        r"bread[- ]and[- ]butter(?: pickles?)?|shortening,? (?:bread|cake mix)",
    ),
    _rule(
        "gluten grain",
        r"\b(?:barley|rye|malt|malted|oats?|oatmeal|beer|ale|bran)\b",
        r"ginger ale|root beer|birch beer|beerwurst|beer salami|(?:rice|corn) bran",
    ),
    _rule("oat", r"\b(?:oats?|oatmeal|oat bran|oat milk)\b"),
    _rule(
        "grain",
        r"\b(?:rice|quinoa|millet|sorghum|buckwheat|amaranth|teff|corn|cornmeal|cornstarch|"
        r"polenta|grits|masa|popcorn|grains?|cereals?|granola|muesli|wild rice|tapioca|"
        r"arrowroot)\b",
        r"rice vinegar|rice wine|cauliflower rice|riced cauliflower|corn ?oil|candy corn|"
        r"baby corn|peppercorns?|corned",
    ),
    _rule(
        "soy legume",
        r"\b(?:soy|soya|soybeans?|soymilk|tofu|tempeh|miso|edamame|natto|tamari|yuba|tvp|"
        r"textured vegetable protein|bean curd|teriyaki|hoisin|shoyu|soy sauce)\b",
        r"soy[- ]free",
    ),
    _rule("peanut legume", r"\b(?:peanuts?|groundnuts?|satay)\b", r"peanut[- ]free"),
    _rule(
        "tree-nut",
        r"\b(?:" + _NUT_WORDS + r")\b",
        r"water chestnuts?|butternut squash|squash[^;]*?\bbutternut",
    ),
    _rule(
        "tree-nut",
        r"\b(?:nuts?|nut butter|nut milk|mixed nuts)\b",
        # Soy nuts are roasted soybeans; "mouse nuts" are roots cached by voles.
        r"coconuts?|nut[- ]free|nutmeat|water chestnuts?|nuts, coconut|soy ?nuts?|"
        r"corn ?nuts?|mouse nuts?",
    ),
    _rule("sesame", r"\b(?:sesame|tahini|tahina|halva|halvah|benne|za'?atar|hummus)\b"),
    _rule(
        "legume",
        r"\b(?:beans?|lentils?|chickpeas?|garbanzos?|peas|pea|split peas?|black-eyed|hummus|"
        r"dal|dhal|daal|lupins?|mung|adzuki|azuki|fava|cannellini|legumes?)\b",
        r"green beans?|snap beans?|string beans?|coffee beans?|vanilla beans?|jelly beans?|"
        r"cocoa beans?|snow peas?|snap peas?|sugar snap|pea shoots|"
        r"beans?, (?:snap|green|yellow)",
    ),
    _rule(
        "added-sugar",
        r"\b(?:sugars?|sugared|sweetened|syrups?|candy|candies|chocolate|jams?|jelly|jellies|"
        r"preserves|marmalade|molasses|agave|frosting|icing|caramel|fondant|marshmallows?|"
        r"dextrose|sucrose|confectioners?'?|condensed milk|sweets|ketchup|catsup)\b",
        r"sugar[- ]free|no sugar added|no added sugar|without (?:added )?sugar|unsweetened|"
        r"sugar ?snap|sugar peas?|sugar-apple|sugar beets?|maple syrup|syrups?, maple|"
        r"chocolate, unsweetened|royal jelly|jelly ?fish|marmalade plum|"
        r"(?:sweetened )?with (?:a )?(?:low|no|zero)[- ]calorie sweeteners?",
    ),
)

# Words that undo traits the rest of a name would imply ("vegan mayonnaise", "gluten-free
# pasta"). Applied after the rules, to foods and names alike.
_MODIFIERS: Final[tuple[tuple[re.Pattern[str], frozenset[str]], ...]] = (
    (
        re.compile(r"\b(?:vegan|plant[- ]based)\b"),
        frozenset({"meat", "poultry", "fish", "shellfish", "dairy", "egg", "honey", "gelatin"}),
    ),
    (
        re.compile(r"\b(?:vegetarian|meatless|meat[- ]free|veggie)\b"),
        frozenset({"meat", "poultry", "fish", "shellfish", "gelatin"}),
    ),
    (re.compile(r"\b(?:dairy[- ]free|non-?dairy|lactose[- ]free)\b"), frozenset({"dairy"})),
    (re.compile(r"\bgluten-? ?free\b"), frozenset({"gluten", "wheat"})),
    (re.compile(r"\b(?:egg[- ]free|eggless)\b"), frozenset({"egg"})),
)

_SHELLFISH_PREFIXES: Final = ("crustaceans", "mollusks")
# Baked Products (1800) that are not baked from wheat: leavening agents, corn tortillas,
# taco and tostada shells, rice cakes.
_NOT_WHEAT_BAKED: Final = re.compile(
    r"^leavening agents|\bcorn\b|rice cake|taco shell|tostada shell"
)


def _keyword_traits(text: str) -> set[str]:
    lowered = f" {text.lower()} "
    lowered = _NEGATION.sub(" ", _USAGE.sub(" ", lowered))
    traits: set[str] = set()
    for rule in _RULES:
        haystack = rule.exempt.sub(" ", lowered) if rule.exempt else lowered
        if rule.pattern.search(haystack):
            traits |= rule.traits
    return traits


def _resolve_meat(traits: set[str]) -> set[str]:
    """Turns the internal "any-meat" trait into "meat" unless another animal explains it."""
    if _ANY_MEAT in traits:
        traits.discard(_ANY_MEAT)
        if not traits & {"poultry", "fish", "shellfish"}:
            traits.add("meat")
    return traits


def _apply_modifiers(text: str, traits: set[str]) -> frozenset[str]:
    lowered = text.lower()
    for pattern, removed in _MODIFIERS:
        if pattern.search(lowered):
            traits -= removed
    if "lactose-free" in lowered or "lactose free" in lowered:
        # Lactose-free milk is still milk: the allergen is the protein, not the sugar.
        traits.add("dairy")
    return frozenset(traits)


def classify_name(name: str) -> frozenset[str]:
    """Traits a free-text ingredient name reveals ("fish sauce" -> {"fish"})."""
    return _apply_modifiers(name, _resolve_meat(_keyword_traits(name)))


def classify_food(food: Food) -> frozenset[str]:
    """Traits of a USDA food from its food group and description."""
    description = food.description.lower()
    text = f"{food.description}; {food.common_name}"
    traits = _keyword_traits(text)
    group = food.group_code
    if group == "0100":
        traits.add("egg" if description.startswith("egg") else "dairy")
    elif group == "0500":
        traits.add("poultry")
    elif group == "0700":
        # Sausages and luncheon meats: red meat unless made only of poultry.
        traits.add(_ANY_MEAT)
    elif group in {"1000", "1300", "1700"}:
        traits.add("meat")
    elif group == "1500":
        if description.startswith(_SHELLFISH_PREFIXES) or "shellfish" in traits:
            traits.add("shellfish")
            traits.discard("fish")
        else:
            traits.add("fish")
    elif group == "1200":
        if description.startswith("nuts") and "coconut" not in description:
            traits.add("tree-nut")
    elif group == "1600":
        traits.add("legume")
    elif group in {"0800", "2000"}:
        traits.add("grain")
    elif group == "1800":
        traits.add("grain")
        if not _NOT_WHEAT_BAKED.search(description):
            # Baked goods are wheat-based unless USDA names another base.
            traits |= {"gluten", "wheat"}
    elif group == "1900":
        if not re.search(r"\bhoney\b|maple|sugar-free|unsweetened", description):
            traits.add("added-sugar")
    elif group == "0900":
        traits.add("fruit")
    elif group == "1100":
        traits.add("vegetable")
    return _apply_modifiers(text, _resolve_meat(traits))


_ANIMAL: Final = frozenset({"meat", "poultry", "fish", "shellfish", "gelatin"})
_ALLERGEN_TRAITS: Final[dict[str, str]] = {
    "milk": "dairy",
    "eggs": "egg",
    "fish": "fish",
    "shellfish": "shellfish",
    "tree-nuts": "tree-nut",
    "peanuts": "peanut",
    "wheat": "wheat",
    "soy": "soy",
    "sesame": "sesame",
}
_DIET_EXCLUDES: Final[dict[str, frozenset[str]]] = {
    "vegetarian": _ANIMAL,
    "vegan": _ANIMAL | {"dairy", "egg", "honey"},
    "pescatarian": frozenset({"meat", "poultry", "gelatin"}),
    "gluten-free": frozenset({"gluten", "wheat"}),
    "dairy-free": frozenset({"dairy"}),
    "nut-free": frozenset({"tree-nut", "peanut"}),
    "egg-free": frozenset({"egg"}),
    "soy-free": frozenset({"soy"}),
    "paleo": frozenset({"grain", "gluten", "wheat", "legume", "peanut", "soy", "dairy"})
    | {"added-sugar"},
}


def nutrition_flags(per_serving: Nutrients) -> frozenset[str]:
    """Diet flags that depend only on the numbers per serving."""
    flags: set[str] = set()
    calories = per_serving.calories
    if per_serving.carbs_g <= 20:
        flags.add("low-carb")
    if calories > 0 and per_serving.net_carbs_g <= 10 and per_serving.fat_g * 9 >= 0.6 * calories:
        flags.add("keto")
    if per_serving.sodium_mg <= 140:
        flags.add("low-sodium")
    if per_serving.protein_g >= 20 and per_serving.protein_g * 4 >= 0.25 * calories:
        flags.add("high-protein")
    return frozenset(flags)


def derive_dietary(
    foods: Iterable[Food],
    nutrition_per_serving: Nutrients | None = None,
    names: Iterable[str] = (),
) -> DietaryInfo:
    """Diet flags (from ``DIETS``) and allergens (from ``ALLERGENS``) for a recipe.

    ``foods`` are the linked foods; ``names`` the names of lines that are not linked, which are
    classified by keyword. With no foods and no names nothing is claimed about ingredients
    (an empty recipe is not "vegan"); nutrition flags need ``nutrition_per_serving``.
    """
    traits: set[str] = set()
    seen_any = False
    for food in foods:
        seen_any = True
        traits |= classify_food(food)
    for name in names:
        seen_any = True
        traits |= classify_name(name)

    flags: set[str] = set()
    if seen_any:
        flags |= {diet for diet, excluded in _DIET_EXCLUDES.items() if not traits & excluded}
    if nutrition_per_serving is not None:
        flags |= nutrition_flags(nutrition_per_serving)
    allergens = {allergen for allergen, trait in _ALLERGEN_TRAITS.items() if trait in traits}
    return DietaryInfo(
        flags=frozenset(flag for flag in DIETS if flag in flags),
        allergens=frozenset(allergen for allergen in ALLERGENS if allergen in allergens),
    )
