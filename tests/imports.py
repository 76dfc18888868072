"""Driving a spreadsheet import through its pages in tests (``core.import_jobs``): one ``ImportFlow``
per app names its URLs, job model, upload folder and column headers; the steps are the same for the
registry's and the facilities' imports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.pages import html


@dataclass(frozen=True)
class ImportFlow:
    namespace: str  # the app's URL namespace ("registry", "facilities")
    id_kwarg: str  # its job pages' URL parameter
    model: Any  # its job model
    folder: str  # where its uploads are kept, under VAR_DIR
    headers: dict[str, str]  # column key → header in the file
    file_name: str  # what an upload is called unless a test says otherwise
    region: str  # the code of the place uploads go to unless a test says otherwise

    def url(self, name: str, job: Any = None) -> str:
        kwargs = {self.id_kwarg: job.pk} if job is not None else None
        return reverse(f"{self.namespace}:{name}", kwargs=kwargs)

    def csv_bytes(
        self, rows: list[dict[str, str]], *, encoding: str = "utf-8", columns: Any = None
    ) -> bytes:
        """A CSV file with the headers of ``columns`` (every column by default) and these rows."""
        keys = list(columns or self.headers)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([self.headers.get(k, k) for k in keys])
        for values in rows:
            writer.writerow([values.get(k, "") for k in keys])
        return buffer.getvalue().encode(encoding)

    def upload(
        self, client: Client, world: Any, content: bytes, *, name: str = "", **extra: Any
    ) -> Any:
        region = extra.pop("region", self.region)
        return client.post(
            self.url("import_new"),
            {
                "region": str(world.regions[region].pk),
                "file": SimpleUploadedFile(
                    name or self.file_name, content, extra.pop("content_type", "text/csv")
                ),
            },
            **extra,
        )

    def checked(
        self, client: Client, world: Any, content: bytes, capture: Any, **kwargs: Any
    ) -> Any:
        """Upload through the page and run the dry run; the page redirects to the job."""
        with capture(execute=True):
            response = self.upload(client, world, content, **kwargs)
        assert response.status_code == 302, html(response)
        job = self.model.objects.latest("pk")
        assert response["Location"] == self.url("import_job", job)
        job.refresh_from_db()
        return job

    def start(self, client: Client, job: Any, mode: str, capture: Any) -> Any:
        with capture(execute=True):
            response = client.post(self.url("import_start", job), {"mode": mode})
        assert response.status_code == 302
        job.refresh_from_db()
        return job

    def files_in(self, var_dir: Path) -> list[Path]:
        folder = var_dir / self.folder
        return sorted(folder.iterdir()) if folder.exists() else []


def errors_of(job: Any) -> list[tuple[int, str, str]]:
    job.refresh_from_db()
    return [(e["row"], e["column"], e["message"]) for e in job.errors]
