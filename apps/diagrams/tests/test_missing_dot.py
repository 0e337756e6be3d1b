"""When `dot` is missing, fails or hangs, pages still get a sentence and image URLs answer 503."""

import pytest

from apps.diagrams import pictures

pytestmark = pytest.mark.django_db


def test_without_dot_a_page_gets_a_sentence_instead_of_the_picture(pair, no_dot, rf):
    picture = pictures.inline(rf.get("/"), pictures.hierarchy())
    assert picture.svg is None
    assert picture.error == "The diagram cannot be drawn: Graphviz's dot program is not installed on the server."


@pytest.mark.parametrize("url", ["/diagram.svg", "/diagram.png", "/diagram.pdf", "/types/folio/diagram.png"])
def test_without_dot_an_image_url_answers_503_with_the_reason(client, pair, no_dot, url):
    response = client.get(url)
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response.content.decode() == (
        "The diagram cannot be drawn: Graphviz's dot program is not installed on the server.\n"
    )


def test_without_dot_the_dot_source_is_still_served(client, pair, no_dot):
    response = client.get("/diagram.dot")
    assert response.status_code == 200
    assert b'"page" -> "folio"' in response.content


def test_a_dot_that_runs_too_long_is_stopped(client, pair, fake_dot, settings, rf):
    fake_dot("exec sleep 30")
    settings.GRAPHVIZ_TIMEOUT_SECONDS = 0.5
    picture = pictures.inline(rf.get("/"), pictures.hierarchy())
    assert picture.error == (
        "The diagram cannot be drawn: Graphviz's dot program took longer than 0.5 seconds and was stopped."
    )
    response = client.get("/diagram.png")
    assert response.status_code == 503
    assert b"took longer than 0.5 seconds" in response.content


def test_a_dot_that_fails_is_reported_with_its_first_error_line(client, pair, fake_dot, rf):
    fake_dot('echo "Error: <stdin>: syntax error in line 3" >&2\necho "more detail" >&2\nexit 1')
    picture = pictures.inline(rf.get("/"), pictures.hierarchy())
    assert picture.error == (
        "The diagram cannot be drawn: Graphviz's dot program failed (exit status 1): "
        "Error: <stdin>: syntax error in line 3."
    )
    assert client.get("/types/folio/diagram.svg").status_code == 503
