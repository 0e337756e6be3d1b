import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from apps.kernel.models import MemoryType

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
# The README's pictures: a file name and the page it shows.
PAGES = [("home.png", "/"), ("type-slab.png", "/types/slab/")]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Command(BaseCommand):
    help = (
        "Photograph the home page and the slab type page (1280x800) as the site serves them from "
        "this database, with Debian's Chromium (/usr/bin/chromium) through Playwright, into a "
        "directory: docs/screenshots for the README (make screenshots)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Where home.png and type-slab.png are written.")

    def handle(self, directory, **options):
        target = Path(directory)
        if not target.is_dir():
            raise CommandError(f"{directory}: the directory does not exist.")
        if not CHROMIUM.exists():
            raise CommandError(f"{CHROMIUM} is not installed: apt-get install chromium.")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise CommandError("Playwright is not installed: pip install -r requirements-dev.txt.") from exc
        if not MemoryType.objects.filter(slug="slab").exists():
            raise CommandError("The database has no kernel data: run python manage.py load_kernel_data first.")

        # The site on a free port of this machine, answering from a thread of this process.
        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
        server.set_app(get_wsgi_application())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
                try:
                    page = browser.new_page(viewport=VIEWPORT)
                    for name, path in PAGES:
                        response = page.goto(base + path, wait_until="networkidle")
                        if response.status != 200:
                            raise CommandError(f"{path} answered {response.status}.")
                        page.screenshot(path=str(target / name))
                        self.stdout.write(f"{target / name}: {path}")
                finally:
                    browser.close()
        finally:
            server.shutdown()
            server.server_close()
