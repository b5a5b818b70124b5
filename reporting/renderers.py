"""CSV and XLSX for the report endpoints, chosen by `?format=csv|xlsx` or the Accept header.

The renderer asks the view for the answer as tables (`view.tables(data)`, reporting.tables) and
names the download after the report and its period.
"""

from rest_framework.renderers import BaseRenderer

from reporting import tables as t


class _TableRenderer(BaseRenderer):
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        view, response = context.get("view"), context.get("response")
        report_tables = view.tables(data)
        if response is not None:
            response["Content-Disposition"] = (
                f'attachment; filename="{view.download_name()}.{self.format}"'
            )
        return self.write(report_tables, getattr(view, "section_title", "section"))


class CSVRenderer(_TableRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def write(self, report_tables, section_title):
        return t.to_csv(report_tables, section_title)


class XLSXRenderer(_TableRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"

    def write(self, report_tables, section_title):
        return t.to_xlsx(report_tables)


class _DocumentRenderer(BaseRenderer):
    """A report as a document (the yearly UN summary): the view writes it
    (`view.document(data, format)`), the renderer names the download."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        view, response = context.get("view"), context.get("response")
        if response is not None:
            response["Content-Disposition"] = (
                f'attachment; filename="{view.download_name()}.{self.format}"'
            )
        return view.document(data, self.format)


class DOCXRenderer(_DocumentRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    format = "docx"


class PDFRenderer(_DocumentRenderer):
    media_type = "application/pdf"
    format = "pdf"
