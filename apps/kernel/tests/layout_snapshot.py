"""What the layout tables hold, by natural keys, to show that a refused or repeated import
changed nothing."""

from apps.kernel.models import Build, Field, Release, StructLayout


def layout_snapshot():
    """Releases, builds, layouts and fields with every column a user sees (5 queries)."""
    return (
        sorted(Release.objects.values_list("name", "notes")),
        sorted(Build.objects.values_list("release__name", "arch", "kernel_version", "notes", "layout_file")),
        sorted(StructLayout.objects.values_list("build__release__name", "build__arch", "struct", "size")),
        sorted(
            Field.objects.values_list(
                "layout__build__release__name",
                "layout__build__arch",
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
                "backport__commit",
            ),
            key=repr,
        ),
    )
