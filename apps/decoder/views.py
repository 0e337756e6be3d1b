"""The /decode/ page: paste a dump_page() (or open an example), read what the page is."""

from urllib.parse import urlencode

from django import forms
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from apps.decoder.decode import MAX_INPUT_BYTES, DecodeError, decode_text
from apps.decoder.examples import EXAMPLES
from apps.kernel.models import Build, Release


class DecodeForm(forms.Form):
    text = forms.CharField(
        label="dump_page() output",
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100, "spellcheck": "false"}),
        strip=False,
        help_text="As the kernel printed it: timestamps, log prefixes and the lines around it are fine.",
    )
    release = forms.ChoiceField(label="Release", required=False)
    arch = forms.ChoiceField(
        label="Architecture", required=False, choices=[("", "from the dump's word width"), *Build.Arch.choices]
    )

    def __init__(self, *args, releases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["release"].choices = [("", "from the dump"), *((r, r) for r in releases)]

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(text.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
            raise forms.ValidationError(f"The text is longer than {MAX_INPUT_BYTES // 1024} KiB; paste the dump alone.")
        return text


def _example_links():
    links = []
    for example in EXAMPLES:
        query = {"text": example.text}
        if example.release:
            query["release"] = example.release
        links.append((example, "?" + urlencode(query)))
    return links


# The form is read by GET so that a result's URL can be shared; long input may be POSTed, and
# since decoding writes nothing and reads no session, a POST needs no CSRF token.
@csrf_exempt
def decode(request):
    """The paste box with example dumps; with text (GET or POST), the decoded page: its type,
    the release used, the rules with their sources, the word grid, flags and warnings (1 query
    for the form, plus the decoder's fixed count)."""
    data = request.POST if request.method == "POST" else request.GET
    releases = list(Release.objects.filter(builds__isnull=False).distinct().values_list("name", flat=True))
    # A release typed into the URL that memtypes has no build of (v6.9) is still a release the
    # rules can be taken at: offer it.
    asked = data.get("release", "")
    if asked and asked not in releases:
        releases.append(asked)
    form = DecodeForm(data if "text" in data else None, releases=releases)
    context = {"form": form, "examples": _example_links(), "decoding": None}
    status = 200
    if form.is_bound:
        if form.is_valid():
            values = form.cleaned_data
            try:
                context["decoding"] = decode_text(values["text"], values["release"] or None, values["arch"] or None)
            except DecodeError as exc:
                form.add_error(exc.field if exc.field in form.fields else "text", str(exc))
        if form.errors:
            status = 400
    return render(request, "decoder/decode.html", context, status=status)
