from django.apps import AppConfig


class DecoderConfig(AppConfig):
    """Decoding a struct page: identification rules per release, dump_page() parsing, answers."""

    name = "apps.decoder"
    label = "decoder"
    verbose_name = "Decoder"
