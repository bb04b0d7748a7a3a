"""Feed parse + group (issue 14): our reader on a generated Merchant Center feed vs plain lxml iterparse
of the same file, in the same run, each in a fresh interpreter so its peak RSS is its own.

The feed: `items` items (100,000 full size, 2,000 smoke) in groups of 1-6 variants (color / size), 25
attributes each, one description per product (every third in HTML with entities), prices in the three spellings
("1299.90 BRL", "1.299,90 BRL", "R$ 1.299,90"), 1% bad items (no price, a price that does not parse, a
duplicate id). Measured:

* plain: `lxml.etree.iterparse(path, events=("end",), tag="item")`, each item's children read into a
  dict, then cleared (what any streaming reader does at least);
* split: `FeedReader.raw_items` + `Grouper.add_raw` (items by item_group_id, duplicate ids refused,
  spooled as compact JSON) + every group's message: what the listing producer runs before the fan-out
  (each group's items are then validated by its own worker, in parallel);
* validated: `FeedReader` (validation, price parsing, HTML cleaning, duplicate check) + `Grouper.add`
  + every group's message: the whole feed validated in one process.

Targets: ours <= 1.5x plain (time), peak RSS <= 150 MB. Reported, not asserted.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.5
TARGET_RSS_MB = 150

_COLORS = ["Preto", "Branco", "Azul", "Vermelho", "Verde", "Caramelo"]
_SIZES = ["PP", "P", "M", "G", "GG", "XG"]
_NOUNS = ["Vestido Midi", "Camisa Social", "Tênis Casual", "Jogo de Panelas", "Toalha de Banho", "Perfume"]


def _price(cents: int, style: int) -> str:
    reais, centavos = divmod(cents, 100)
    if style == 0:
        return f"{reais}.{centavos:02d} BRL"
    grouped = f"{reais:,}".replace(",", ".")
    return f"{grouped},{centavos:02d} BRL" if style == 1 else f"R$ {grouped},{centavos:02d}"


def generate(path: Path, items: int, seed: int = 14) -> int:
    """Writes the feed; returns its size in bytes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">'
                  "<channel><title>Loja Demo</title><link>https://loja.example.com.br</link>\n")
        written, group = 0, 0
        while written < items:
            group += 1
            noun = rng.choice(_NOUNS)
            variants = min(rng.randint(1, 6), items - written)
            base = rng.randint(1990, 259990)
            for v in range(variants):
                sku = 1_000_000 + written
                written += 1
                bad = written % 100
                # one description per product, shared by its variants (as VTEX feeds have it)
                description = (f"&lt;p&gt;{noun} de qualidade&amp;nbsp;&amp;eacute; &lt;b&gt;confort&amp;aacute;vel"
                               f"&lt;/b&gt;&lt;/p&gt;&lt;ul&gt;&lt;li&gt;Modelo {group}&lt;/li&gt;&lt;/ul&gt;"
                               if group % 3 == 0 else f"{noun} em tecido leve, ideal para o dia a dia. Modelo {group}.")
                price = "" if bad == 1 else ("dez reais" if bad == 2 else _price(base, sku % 3))
                item_id = sku - 1 if bad == 3 else sku
                out.write(
                    f"<item><g:id>{item_id}</g:id><g:title>{noun} {_COLORS[v % 6]} {_SIZES[v % 6]}</g:title>"
                    f"<g:description>{description}</g:description>"
                    f"<g:link>https://loja.example.com.br/p/{group}?sku={sku}</g:link>"
                    f"<g:image_link>https://img.example.com.br/{sku}-1.jpg</g:image_link>"
                    f"<g:additional_image_link>https://img.example.com.br/{sku}-2.jpg</g:additional_image_link>"
                    f"<g:additional_image_link>https://img.example.com.br/{sku}-3.jpg</g:additional_image_link>"
                    + (f"<g:price>{price}</g:price>" if price else "")
                    + (f"<g:sale_price>{_price(base * 9 // 10, 0)}</g:sale_price>" if sku % 5 == 0 else "")
                    + "<g:availability>in stock</g:availability><g:condition>new</g:condition>"
                    f"<g:brand>Marca {group % 300}</g:brand><g:mpn>MPN-{sku}</g:mpn>"
                    f"<g:google_product_category>{2271 + group % 40}</g:google_product_category>"
                    f"<g:product_type>Moda &gt; {noun}</g:product_type><g:item_group_id>{group}</g:item_group_id>"
                    f"<g:color>{_COLORS[v % 6]}</g:color><g:size>{_SIZES[v % 6]}</g:size>"
                    "<g:gender>unisex</g:gender><g:age_group>adult</g:age_group><g:material>Algodão</g:material>"
                    f"<g:shipping_weight>{rng.randint(100, 5000)} g</g:shipping_weight>"
                    "<g:product_length>30 cm</g:product_length><g:product_width>20 cm</g:product_width>"
                    "<g:product_height>10 cm</g:product_height><g:custom_label_0>colecao-verao</g:custom_label_0>"
                    "</item>\n")
        out.write("</channel></rss>\n")
    return path.stat().st_size


_PLAIN = """
import resource, sys, time
from lxml import etree
started, cpu_started = time.perf_counter(), time.process_time()
items = 0
for _, element in etree.iterparse(sys.argv[1], events=("end",), tag="item"):
    fields = {child.tag: child.text for child in element}
    items += 1
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
print(repr({"seconds": elapsed, "cpu": cpu, "items": items,
            "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_OURS = """
import resource, sys, time
from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog.grouping import Grouper
started, cpu_started = time.perf_counter(), time.process_time()
with Grouper() as grouper, open(sys.argv[1], "rb") as stream:
    reader = FeedReader(stream)
    for _ in grouper.add_all(reader):
        pass
    message_bytes = sum(len(body) for _, body in grouper.messages())
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
print(repr({"seconds": elapsed, "cpu": cpu, "items": reader.stats.items, "errors": reader.stats.errors,
            "groups": len(grouper), "message_bytes": message_bytes,
            "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_SPLIT = """
import resource, sys, time
from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog.grouping import Grouper
started, cpu_started = time.perf_counter(), time.process_time()
errors = 0
with Grouper() as grouper, open(sys.argv[1], "rb") as stream:
    for position, raw in FeedReader(stream).raw_items():
        errors += grouper.add_raw(position, raw) is not None
    message_bytes = sum(len(body) for _, body in grouper.messages())
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
print(repr({"seconds": elapsed, "cpu": cpu, "items": grouper.items, "errors": errors, "groups": len(grouper),
            "message_bytes": message_bytes, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_BASELINE_RSS = """
import resource
from lxml import etree
import tiktok_vtex.catalog.feed, tiktok_vtex.catalog.grouping
print(repr({"rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run_child(code: str, *args: str) -> dict[str, float]:
    """Runs `code` in a fresh interpreter (its peak RSS is its own) and returns the dict it prints."""
    env = {"PYTHONPATH": str(ROOT / "shared"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env)
    return json.loads(result.stdout.strip().replace("'", '"'))


def run(smoke: bool = False, items: int | None = None, repeats: int | None = None) -> dict[str, float]:
    items = items or (2_000 if smoke else 100_000)
    repeats = repeats or (1 if smoke else 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.xml"
        size = generate(path, items)
        plain, ours, split = [], [], []
        for _ in range(repeats):  # interleaved, so a load spike on the shared machine hits all three alike
            plain.append(run_child(_PLAIN, str(path)))
            split.append(run_child(_SPLIT, str(path)))
            ours.append(run_child(_OURS, str(path)))
        idle = run_child(_BASELINE_RSS)
    best_plain = min(p["seconds"] for p in plain)
    best_ours = min(o["seconds"] for o in ours)
    best_split = min(o["seconds"] for o in split)
    cpu_plain, cpu_ours, cpu_split = (min(r["cpu"] for r in runs) for runs in (plain, ours, split))
    last = ours[-1]
    rss_mb = max(o["rss_kb"] for o in ours) / 1024
    split_rss_mb = max(o["rss_kb"] for o in split) / 1024
    figures = {
        "items": items, "file_mb": size / 1e6, "plain_s": best_plain, "ours_s": best_ours,
        "ratio": best_ours / best_plain, "rss_mb": rss_mb, "plain_rss_mb": max(p["rss_kb"] for p in plain) / 1024,
        "import_rss_mb": idle["rss_kb"] / 1024, "valid": last["items"], "errors": last["errors"],
        "groups": last["groups"], "message_mb": last["message_bytes"] / 1e6,
        "split_s": best_split, "split_ratio": best_split / best_plain, "split_rss_mb": split_rss_mb,
        "cpu_ratio": cpu_ours / cpu_plain, "split_cpu_ratio": cpu_split / cpu_plain,
    }
    print(f"feed: {items:,} items, {figures['file_mb']:.1f} MB, best of {repeats} (wall time; CPU time in brackets, "
          "the steadier figure on a shared machine)")
    print(f"  plain lxml iterparse        {best_plain:7.2f} s [{cpu_plain:5.2f}]   "
          f"peak RSS {figures['plain_rss_mb']:6.1f} MB")
    print(f"  split: raw_items + add_raw  {best_split:7.2f} s [{cpu_split:5.2f}]   peak RSS {split_rss_mb:6.1f} MB   "
          f"ratio {figures['split_ratio']:.2f}x [{figures['split_cpu_ratio']:.2f}x] "
          "(what the listing producer runs before fan-out)")
    print(f"  validated: FeedReader       {best_ours:7.2f} s [{cpu_ours:5.2f}]   peak RSS {rss_mb:6.1f} MB   "
          f"ratio {figures['ratio']:.2f}x [{figures['cpu_ratio']:.2f}x] (every item validated in one process)")
    print(f"  targets: <= {TARGET_RATIO}x, peak RSS <= {TARGET_RSS_MB} MB "
          f"(interpreter + imports alone: {figures['import_rss_mb']:.1f} MB)")
    print(f"  {last['items']:,} valid items, {last['errors']:,} item errors, {last['groups']:,} groups, "
          f"{figures['message_mb']:.1f} MB of group messages")
    return figures


if __name__ == "__main__":
    run(smoke="--smoke" in sys.argv)
