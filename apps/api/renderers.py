"""CSV for the tabular resources (the matrix, the usages): ?format=csv."""

import csv
import io

from rest_framework.renderers import BaseRenderer


def _messages(errors, prefix=""):
    """Readable lines of an error body: {"detail": "..."} or {"field": ["...", ...]}, nested."""
    if isinstance(errors, dict):
        lines = []
        for key, value in errors.items():
            label = "" if key in ("detail", "non_field_errors") else f"{prefix}{key}: "
            lines += _messages(value, label)
        return lines
    if isinstance(errors, list):
        return [line for item in errors for line in _messages(item, prefix)]
    return [f"{prefix}{errors}"]


class CSVRenderer(BaseRenderer):
    """Renders a list of flat dicts (or a page of them) as CSV with a header row; an error
    ({"detail": ...}) as a one-column table so a spreadsheet still opens it. The `url` links
    are left out: they lead to the JSON resources, not to anything a spreadsheet opens."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if isinstance(data, dict):
            data = [{"message": message} for message in _messages(data)]
        columns = [name for name in (data[0] if data else self._columns(renderer_context)) if name != "url"]
        out = io.StringIO()
        # An empty result is still a table: its header row (and a body, so the response keeps
        # its Content-Type).
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in data:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        return out.getvalue().encode(self.charset)

    @staticmethod
    def _columns(renderer_context):
        """The column names of an empty list: the fields of the view's serializer."""
        view = (renderer_context or {}).get("view")
        if view is None or not hasattr(view, "get_serializer"):
            return []
        return list(view.get_serializer().fields)
