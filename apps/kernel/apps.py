from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The domain: memory types, their hierarchy, struct layouts per release, field usage."""

    name = "apps.kernel"
    label = "kernel"
    verbose_name = "Kernel memory types"

    def ready(self):
        from apps.kernel import version

        version.connect()
