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
    return categories


def attributes_for(category_id: str) -> list[dict[str, Any]]:
    seed = int(category_id) % 1000
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
    for prop in PRODUCT_PROPERTIES:
        attributes.append(
            {
                "id": prop["id"],
                "name": prop["name"],
                "type": "PRODUCT_PROPERTY",
                "is_requried": False,
                "is_customizable": seed % 2 == 0,
                "is_multiple_selection": False,
                "values": [{"id": f"{prop['id']}{i:03d}", "name": v} for i, v in enumerate(prop["values"])],
            }
        )
    return attributes


def rules_for(category_id: str) -> dict[str, Any]:
    return {
        "product_certifications": [],
        "size_chart": {"is_supported": True, "is_required": False},
        "cod": {"is_supported": False},
        "package_dimension": {"is_required": False},
        "epr": {"is_required": False},
        "responsible_person": {"is_required": False},
        "manufacturer": {"is_required": False},
        "allowed_special_product_types": [],
    }
