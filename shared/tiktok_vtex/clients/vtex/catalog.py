"""VTEX Catalog API: SKU ids, SKU context and files, products, brands, categories."""

from __future__ import annotations

from collections.abc import Iterator

from tiktok_vtex.clients.vtex.models import Brand, Category, Product, SkuContext, SkuFile
from tiktok_vtex.clients.vtex.transport import MAX_SKU_PAGE_SIZE, VtexTransport, path_segment


class CatalogApi(VtexTransport):
    """VTEX Catalog API calls of VtexClient (transport in transport.py)."""

    def list_sku_ids(self, page: int = 1, page_size: int = MAX_SKU_PAGE_SIZE) -> list[int]:
        if page < 1 or not 1 <= page_size <= MAX_SKU_PAGE_SIZE:
            raise ValueError(f"page must be >= 1 and page_size between 1 and {MAX_SKU_PAGE_SIZE}")
        data = self._get("/api/catalog_system/pvt/sku/stockkeepingunitids",
                         params={"page": page, "pagesize": page_size})
        return [int(x) for x in (data or [])]

    def iter_sku_ids(self, page_size: int = MAX_SKU_PAGE_SIZE, start_page: int = 1) -> Iterator[int]:
        """Every SKU id, page after page, until a short or empty page."""
        page = start_page
        while True:
            ids = self.list_sku_ids(page, page_size)
            yield from ids
            if len(ids) < page_size:
                return
            page += 1

    def get_sku_context(self, sku_id: int | str, sales_channel: str | None = None) -> SkuContext:
        data = self._get(f"/api/catalog_system/pvt/sku/stockkeepingunitbyid/{path_segment(sku_id)}",
                         params={"sc": sales_channel})
        return SkuContext.model_validate(data)

    def get_sku_files(self, sku_id: int | str) -> list[SkuFile]:
        data = self._get(f"/api/catalog/pvt/stockkeepingunit/{path_segment(sku_id)}/file") or []
        files = [SkuFile.model_validate(item) for item in data]
        return sorted(files, key=lambda f: (not f.IsMain, f.Position if f.Position is not None else 1 << 30))

    def get_product(self, product_id: int | str) -> Product:
        return Product.model_validate(self._get(f"/api/catalog/pvt/product/{path_segment(product_id)}"))

    def list_brands(self) -> list[Brand]:
        return [Brand.model_validate(b) for b in self._get("/api/catalog_system/pvt/brand/list") or []]

    def get_category_tree(self, levels: int = 3) -> list[Category]:
        if levels < 1:
            raise ValueError("levels must be >= 1")
        data = self._get(f"/api/catalog_system/pub/category/tree/{levels}") or []
        return [Category.model_validate(c) for c in data]
