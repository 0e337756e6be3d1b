"""Real dump_page() outputs the /decode/ page offers as examples, each a contiguous excerpt of a
public report (copied as published) with the release its report names."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    title: str
    text: str
    release: str  # the release the report names, when the excerpt does not print it ("" if it does)
    message_id: str  # where it was published

    @property
    def source_url(self):
        return f"https://lore.kernel.org/r/{self.message_id}"


EXAMPLES = (
    Example(
        title="A slab page, 6.15 (page_type in the top byte)",
        release="v6.15",
        message_id="68241bb2.a70a0220.3e9d8.0005.GAE@google.com",
        text="""\
page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x48891
flags: 0x4fff00000000000(node=1|zone=1|lastcpupid=0x7ff)
page_type: f5(slab)
raw: 04fff00000000000 ffff88801a041280 ffffea0000d6e3c0 dead000000000008
raw: 0000000000000000 0000000080200020 00000000f5000000 0000000000000000
page dumped because: kasan: bad access detected
""",
    ),
    Example(
        title="A free buddy page, 6.9 (inverted page_type bits)",
        release="",
        message_id="20240523190912.EBA6FC2BD10@smtp.kernel.org",
        text="""\
BUG: Bad page state in process page-types  pfn:8cee00
page: refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x8cee00
flags: 0x6fffe0000000000(node=1|zone=2|lastcpupid=0x7fff)
page_type: 0xffffff7f(buddy)
raw: 06fffe0000000000 ffffd901241c0008 ffffd901240f8008 0000000000000000
raw: 0000000000000000 0000000000000009 00000000ffffff7f 0000000000000000
page dumped because: nonzero mapcount
Modules linked in: mce_inject hwpoison_inject
CPU: 8 PID: 154211 Comm: page-types Not tainted 6.9.0-rc4-00499-g5544ec3178e2-dirty #22
""",
    ),
    Example(
        title="A slab head page, 6.5 (the PG_slab flag, order 2)",
        release="v6.5",
        message_id="000000000000d64f9b060397fa13@google.com",
        text="""\
page:ffffea0001a1de00 refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x68778
head:ffffea0001a1de00 order:2 entire_mapcount:0 nr_pages_mapped:0 pincount:0
memcg:ffff88801937bc01
flags: 0xfff00000000840(slab|head|node=0|zone=1|lastcpupid=0x7ff)
page_type: 0xffffffff()
raw: 00fff00000000840 ffff888012c4f140 dead000000000122 0000000000000000
raw: 0000000000000000 0000000000100010 00000001ffffffff ffff88801937bc01
page dumped because: kasan: bad access detected
""",
    ),
    Example(
        title="A buddy page from syslog, 6.6 (kernel: prefixes, hashed pointer)",
        release="",
        message_id="20231219055514.12324-1-njavali@marvell.com",
        text="""\
 kernel: page:00000000d2c88757 refcount:0 mapcount:-128 mapping:0000000000000000 index:0x0 pfn:0x877bed
 kernel: flags: 0x57ffffc0000004(referenced|node=1|zone=2|lastcpupid=0x1fffff)
 kernel: page_type: 0xffffff7f(buddy)
 kernel: raw: 0057ffffc0000004 ffff88881ffb8618 ffffea0021ba6f48 0000000000000000
 kernel: raw: 0000000000000000 0000000000000000 00000000ffffff7f 0000000000000000
 kernel: page dumped because: bad pte
 kernel: addr:00007f14f4b35000 vm_flags:0c0400fb anon_vma:0000000000000000 mapping:ffff888885004888 index:4
 kernel: file:uio0 fault:uio_vma_fault [uio] mmap:uio_mmap [uio] read_folio:0x0
 kernel: CPU: 23 PID: 3227 Comm: iscsiuio Kdump: loaded Not tainted 6.6.0-rc1+ #6
""",
    ),
)
