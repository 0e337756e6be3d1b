"""A tiny but complete data directory (the format of data/README.md), written to a temporary
folder; tests change one file to see one refusal."""

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"

FILES = {
    "releases.yaml": """\
- name: v6.12
  notes: "A test excerpt."
""",
    "layouts/v6.12.yaml": """\
release: v6.12
arch: x86_64
kernel_version: 6.12.117
package: linux-image-6.12.117+deb12-cloud-amd64-unsigned
package_version: 6.12.117-1~deb12u1
debuginfo: btf
tool: pahole 1.24
structs: [page, folio]
enums:
  pagetype: {PGTY_buddy: 240, PGTY_slab: 245}
""",
    "configs.yaml": """\
source: mm-types-h-v6-12
structs:
  page:
    memcg_data: CONFIG_MEMCG
""",
    "sources/file.yaml": """\
- key: mm-types-h-v6-12
  kind: file
  title: include/linux/mm_types.h at v6.12
  path: include/linux/mm_types.h
  release: v6.12
""",
    "sources/mail.yaml": """\
- key: wilcox-2021-memory-types-tree
  kind: mail
  title: "Re: Folios for 5.15 request"
  message_id: YXK2ICKi6fjNfr4X@casper.infradead.org
""",
    "types/page.yaml": """\
- slug: page
  name: Page
  summary: A page of physical memory, described by struct page.
  status: mainline
  descriptor: struct page
  sources: [wilcox-2021-memory-types-tree]
""",
    "types/folio.yaml": """\
- slug: folio
  name: Folio
  summary: One or more pages managed as a unit.
  status: mainline
  descriptor: struct folio
  sources: [mm-types-h-v6-12, wilcox-2021-memory-types-tree]
  parents:
    - parent: page
      source: wilcox-2021-memory-types-tree
- slug: anon_mem
  name: Anonymous memory
  summary: Memory with no file behind it.
  status: mainline
  descriptor: struct folio
  on_lru: true
  user_mappable: true
  sources: [wilcox-2021-memory-types-tree]
  parents:
    - parent: folio
      note: "Via lru_mem in the 2021 tree."
      source: wilcox-2021-memory-types-tree
  identification:
    - since: null
      test: "folio_test_anon(): folio->mapping & PAGE_MAPPING_ANON"
      source: mm-types-h-v6-12
""",
    "usages/folio.yaml": """\
- type: anon_mem
  usages:
    - struct: folio
      field: mapping
      releases: [v6.12]
      keeps: "anon_vma pointer, low bits PAGE_MAPPING_ANON"
      source: mm-types-h-v6-12
    - struct: page
      field: _refcount
      releases: [v6.12]
      keeps: "references"
      source: mm-types-h-v6-12
""",
}


def write_tiny_data(root, **changes):
    """Write the tiny data directory under root; changes maps a file such as "types/page.yaml"
    to its new text, or to None to leave the file out."""
    root = Path(root)
    files = {**FILES, **changes}
    for name, text in files.items():
        if text is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "layouts").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "page_excerpt.pahole", root / "layouts" / "v6.12.pahole")
    return root
