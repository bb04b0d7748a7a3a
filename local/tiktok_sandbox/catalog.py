"""The sandbox's TikTok category tree, attributes and rules (Brazil), built from the demo catalog's
category list so the VTEX and TikTok sides of the demo agree on category ids."""

from __future__ import annotations

from typing import Any

try:
    from local.fixtures.demo_catalog import CATEGORIES as _DEMO_CATEGORIES
except ImportError:  # the generator is owned by another teammate; keep a fallback of the same shape
    _DEMO_CATEGORIES = [
        (1, "Moda", None, "824328"),
        (11, "Calçados", 1, "824584"),
        (3, "Beleza", None, "601450"),
        (32, "Perfumes", 3, "601548"),
    ]

SALES_PROPERTIES = [
    {"id": "100000", "name": "Cor", "values": ["Preto", "Branco", "Azul", "Verde", "Vermelho", "Caramelo"]},
    {"id": "100089", "name": "Tamanho", "values": ["PP", "P", "M", "G", "GG", "34", "36", "38", "40", "42"]},
    {"id": "100157", "name": "Volume", "values": ["30 ml", "50 ml", "100 ml", "200 ml"]},
]
PRODUCT_PROPERTIES = [
    {"id": "100198", "name": "Material", "values": ["Algodão", "Couro", "Inox", "Cerâmica", "Poliéster"]},
    {"id": "101395", "name": "País de origem", "values": ["Brasil", "China", "Portugal"]},
]
GENDER = {"id": "101610", "name": "Gênero", "values": ["Feminino", "Masculino", "Unissex"]}

# Per-category rules of the sandbox (TikTok's differ per category too). Every other leaf has no required
# attribute and no required package dimensions. Keys: required / not_customizable / multiple attribute ids,
# extra PRODUCT_PROPERTY attributes, package_dimension required.
CATEGORY_RULES: dict[str, dict[str, Any]] = {
    "601548": {  # Perfumes: gender (a listed value, not free text) and country of origin
        "extra": [GENDER],
        "required": {"101610", "101395"},
        "not_customizable": {"101610"},
    },
    "601453": {"required": {"101395"}, "not_customizable": {"101395"}},  # Cuidados com a Pele
    "600024": {  # Cozinha: material (several allowed) and package dimensions
        "required": {"100198"},
        "multiple": {"100198"},
        "package_dimension": True,
    },
}
# Leaves the demo seller may not list in (not in the demo catalog): TikTok's permission_statuses.
RESTRICTED_CATEGORIES = [
    {"id": "601999", "parent_id": "601450", "local_name": "Medicamentos", "permission_statuses": ["PROHIBITED"]},
    {"id": "824999", "parent_id": "824328", "local_name": "Joias Finas", "permission_statuses": ["INVITE_ONLY"]},
]
DEFAULT_PACKAGE_DIMENSIONS = {"length": "20", "width": "15", "height": "10", "unit": "CENTIMETER"}


def build_categories() -> list[dict[str, Any]]:
    by_vtex_id = {row[0]: row for row in _DEMO_CATEGORIES}
    parents = {row[2] for row in _DEMO_CATEGORIES if row[2] is not None}
    categories = []
    for vtex_id, name, parent_id, tiktok_id in _DEMO_CATEGORIES:
        parent = by_vtex_id.get(parent_id) if parent_id is not None else None
        categories.append(
            {
                "id": str(tiktok_id),
                "parent_id": str(parent[3]) if parent else "0",
                "local_name": name,
                "is_leaf": vtex_id not in parents,
                "permission_statuses": ["AVAILABLE"],
            }
        )
    ids = {c["id"] for c in categories}
    for extra in RESTRICTED_CATEGORIES:
        if extra["id"] not in ids and extra["parent_id"] in ids:
            categories.append({**extra, "is_leaf": True, "permission_statuses": list(extra["permission_statuses"])})
    return categories


def attributes_for(category_id: str) -> list[dict[str, Any]]:
    seed = int(category_id) % 1000 if category_id.isdigit() else 0
    rules = CATEGORY_RULES.get(category_id, {})
    required, multiple = rules.get("required", set()), rules.get("multiple", set())
    not_customizable = rules.get("not_customizable", set())
    attributes = []
    for prop in SALES_PROPERTIES:
        attributes.append(
            {
                "id": prop["id"],
                "name": prop["name"],
                "type": "SALES_PROPERTY",
                "is_requried": False,
                "is_customizable": True,
                "is_multiple_selection": False,
                "value_data_format": "POSITIVE_INT_OR_DECIMAL",
                "values": [{"id": f"{prop['id']}{i:03d}", "name": v} for i, v in enumerate(prop["values"])],
            }
        )
    for prop in PRODUCT_PROPERTIES + rules.get("extra", []):
        attributes.append(
            {
                "id": prop["id"],
                "name": prop["name"],
                "type": "PRODUCT_PROPERTY",
                "is_requried": prop["id"] in required,  # sic, TikTok's spelling
                "is_customizable": seed % 2 == 0 and prop["id"] not in not_customizable,
                "is_multiple_selection": prop["id"] in multiple,
                "values": [{"id": f"{prop['id']}{i:03d}", "name": v} for i, v in enumerate(prop["values"])],
            }
        )
    return attributes


def rules_for(category_id: str) -> dict[str, Any]:
    return {
        "product_certifications": [],
        "size_chart": {"is_supported": True, "is_required": False},
        "cod": {"is_supported": False},
        "package_dimension": {"is_required": bool(CATEGORY_RULES.get(category_id, {}).get("package_dimension"))},
        "epr": {"is_required": False},
        "responsible_person": {"is_required": False},
        "manufacturer": {"is_required": False},
        "allowed_special_product_types": [],
    }


def seed_fields(category_id: str) -> dict[str, Any]:
    """``product_attributes`` and ``package_dimensions`` that make a seeded product valid in its category
    (the first listed value of every required attribute)."""
    attributes = [
        {"id": a["id"], "values": [{"id": a["values"][0]["id"], "name": a["values"][0]["name"]}]}
        for a in attributes_for(category_id)
        if a["type"] == "PRODUCT_PROPERTY" and a["is_requried"]
    ]
    required = rules_for(category_id)["package_dimension"]["is_required"]
    dimensions = dict(DEFAULT_PACKAGE_DIMENSIONS) if required else None
    return {"product_attributes": attributes, "package_dimensions": dimensions}
