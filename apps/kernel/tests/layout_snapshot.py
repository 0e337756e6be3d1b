"""What the layout tables hold, by natural keys, to show that a refused or repeated import
changed nothing."""

from apps.kernel.models import Field, Release, StructLayout


def layout_snapshot():
    """Releases, layouts and fields with every column a user sees (3 queries)."""
    return (
        sorted(Release.objects.values_list("name", "kernel_version", "layout_file")),
        sorted(StructLayout.objects.values_list("release__name", "struct", "size", "provenance")),
        sorted(
            Field.objects.values_list(
                "layout__release__name",
                "layout__struct",
                "path",
                "name",
                "c_type",
                "offset",
                "size",
                "bit_offset",
                "bit_size",
                "page_index",
                "position",
                "config",
                "config_source__key",
            ),
            key=repr,
        ),
    )
