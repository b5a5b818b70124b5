"""The link registry over HTTP: list and read links, check and submit batches, transitions."""

from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.models import Agency, User
from kibernadzor.errors import DomainError
from registry import bulk, notes, selectors, services, withdrawal
from registry.answers import SubmissionAnswer
from registry.api import serializers as s
from registry.choices import ReadChannel, ReportSource
from registry.filtersets import LinkFilterSet, ReportFilterSet, StateChangeFilterSet
from registry.models import Link, Report, StateChange
from utilities.api import PolicyViewSetMixin
from utilities.pagination import LinkCursorPagination


def _batch(request) -> list:
    urls = request.data.get("urls") if isinstance(request.data, dict) else None
    if not isinstance(urls, list):
        raise ValidationError({"urls": ['A list of URLs is required: {"urls": [...]}.']})
    return urls


def _query(filters: dict) -> QueryDict:
    """A JSON object of filters as the query string the FilterSet reads (lists as repeats)."""
    query = QueryDict(mutable=True)
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        query.setlist(name, ["" if v is None else str(v) for v in values])
    return query


def _answer(answers: list[SubmissionAnswer]) -> Response:
    """The batch answer: each line's registry.answers.SubmissionAnswer and a count per status
    (the shape of serializers.BatchAnswerSerializer)."""
    summary = {"new": 0, "known": 0, "invalid": 0}
    for answer in answers:
        summary[answer.status] += 1
    return Response({"results": [answer.as_dict() for answer in answers], "summary": summary})


class LinkViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Links the caller may read under the access policy; `?url=` finds any surface form.

    `check/` and `submit/` take `{"urls": [...]}` (up to 10,000) and answer one result per
    input, in input order: `new`, `known` or `invalid`."""

    queryset = Link.objects.select_related(
        "first_reported_agency", "first_reported_by", "assigned_agency", "assigned_user"
    ).prefetch_related("organizations", "materials")
    serializer_class = s.LinkSerializer
    filterset_class = LinkFilterSet
    # A million links: cursor pages cost the same at any depth and need no COUNT(*).
    pagination_class = LinkCursorPagination

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        page = selectors.read_links(request.user, page, ReadChannel.API)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        link = self.get_object()
        selectors.read_links(request.user, [link], ReadChannel.API)
        return Response(self.get_serializer(link).data)

    @extend_schema(request=s.BatchSerializer, responses=s.BatchAnswerSerializer)
    @action(detail=False, methods=["post"])
    def check(self, request):
        """Deconfliction, read-only: is each URL known, and what may the caller learn."""
        return _answer(services.check_urls(_batch(request), user=request.user))

    @extend_schema(request=s.SubmitSerializer, responses=s.BatchAnswerSerializer)
    @action(detail=False, methods=["post"])
    def submit(self, request):
        """Register the new URLs and report the known ones (one Report per valid URL)."""
        urls = _batch(request)
        confidential = request.data.get("confidential", False)
        if not isinstance(confidential, bool):
            raise ValidationError({"confidential": ["Must be true or false."]})
        results = services.submit_urls(
            urls, user=request.user, source=ReportSource.API, confidential=confidential
        )
        return _answer(results)

    @extend_schema(request=s.BulkSerializer, responses=s.BulkAnswerSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """One action on many links (at most 5,000): `ids`, or `filter` re-evaluated now under
        the access policy. Each link is done or refused with its reason; a refusal does not
        undo the others. Ids the caller may not read are answered like ids that do not exist."""
        data = self._valid(s.BulkSerializer, request)
        selection = {"ids": data["ids"]} if "ids" in data else {}
        if "filter" in data:
            filterset = LinkFilterSet(
                _query(data["filter"]), queryset=selectors.links_for(request.user), request=request
            )
            if not filterset.is_valid():
                raise ValidationError({"filter": filterset.errors})
            selection["queryset"] = filterset.qs
        outcome = bulk.apply(
            request.user, data["action"], params=data.get("params") or {}, **selection
        )
        selectors.read_links(request.user, outcome.shown(), ReadChannel.API)
        return Response(outcome.as_dict())

    def _link_answer(self, link_id):
        link = self.get_queryset().get(pk=link_id)
        selectors.read_links(self.request.user, [link], ReadChannel.API)
        return Response(self.get_serializer(link).data)

    @extend_schema(request=s.TransitionSerializer, responses=s.LinkSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the link to another state (the table in registry.transitions decides)."""
        data = self._valid(s.TransitionSerializer, request)
        services.transition(self._pk(pk), data.pop("to_state"), actor=request.user, **data)
        return self._link_answer(pk)

    @extend_schema(request=s.AssignSerializer, responses=s.LinkSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign the link to an agency (and an officer of it) with a due date."""
        data = self._valid(s.AssignSerializer, request)
        agency = user = None
        if data["agency"]:
            agency = Agency.objects.filter(code=data["agency"]).first()
            if agency is None:
                raise DomainError(_("No such agency."), field="agency")
        if data["user"]:
            user = User.objects.filter(username=data["user"]).first()
            if user is None:
                raise DomainError(_("No such user."), field="user")
        services.assign(
            self._pk(pk), actor=request.user, agency=agency, user=user, due_date=data["due_date"]
        )
        return self._link_answer(pk)

    @extend_schema(request=s.ClassifySerializer, responses=s.LinkSerializer)
    @action(detail=True, methods=["post"])
    def classify(self, request, pk=None):
        """Set the classification and/or the confidentiality flag."""
        data = self._valid(s.ClassifySerializer, request)
        services.classify(self._pk(pk), actor=request.user, **data)
        return self._link_answer(pk)

    @extend_schema(request=s.AttributeSerializer, responses=s.LinkSerializer)
    @action(detail=True, methods=["post"])
    def attribute(self, request, pk=None):
        """Attribute the link to an organization and/or a material (`remove` undoes it)."""
        from materials.models import Material
        from organizations.models import Organization

        data = self._valid(s.AttributeSerializer, request)
        targets = {}
        missing = {"organization": _("No such organization."), "material": _("No such material.")}
        for field, model in (("organization", Organization), ("material", Material)):
            if data.get(field) is not None:
                targets[field] = model.objects.filter(pk=data[field]).first()
                if targets[field] is None:
                    raise DomainError(missing[field], field=field)
        services.attribute(self._pk(pk), actor=request.user, remove=data["remove"], **targets)
        return self._link_answer(pk)

    @extend_schema(request=s.WithdrawSerializer, responses=s.ReportSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw your own report of the link within the window (KBZ_WITHDRAW_WINDOW_MINUTES):
        the report is kept, marked withdrawn; the link leaves the registry if it was its only
        report and it is still new."""
        data = self._valid(s.WithdrawSerializer, request)
        report = withdrawal.withdraw_report(
            actor=request.user,
            link_id=self._pk(pk),
            reason=data["reason"],
            report_id=data["report"],
        )
        return Response(s.ReportSerializer(report).data)

    @extend_schema(request=s.NoteSerializer, responses=s.LinkNoteSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def notes(self, request, pk=None):
        """The link's notes, newest first; POST appends one (notes are never edited)."""
        if request.method == "POST":
            data = self._valid(s.NoteSerializer, request)
            notes.add_note(self._pk(pk), author=request.user, text=data["text"])
        link = self.get_object()
        selectors.read_links(request.user, [link], ReadChannel.API)
        return Response(s.LinkNoteSerializer(notes.notes_for(request.user, link), many=True).data)

    @extend_schema(request=s.CaseNumberSerializer, responses=s.LinkSerializer)
    @action(detail=True, methods=["post"], url_path="case-number")
    def case_number(self, request, pk=None):
        """Set or clear the link's case number (recorded in its history)."""
        data = self._valid(s.CaseNumberSerializer, request)
        notes.set_case_number(self._pk(pk), actor=request.user, case_number=data["case_number"])
        return self._link_answer(pk)

    @extend_schema(responses=s.StateChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def trail(self, request, pk=None):
        """Every state change of the link: from, to, who, when, why, documents."""
        link = self.get_object()
        selectors.read_links(request.user, [link], ReadChannel.API)
        changes = (
            StateChange.objects.restrict(request.user).filter(link=link).select_related("actor")
        )
        return Response(s.StateChangeSerializer(changes, many=True).data)

    @staticmethod
    def _pk(pk) -> int:
        try:
            return int(pk)
        except (TypeError, ValueError):
            raise services.LinkNotFound("No such link.") from None

    @staticmethod
    def _valid(serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class ReportViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Every submission of a URL, repeats included."""

    queryset = Report.objects.select_related("agency", "user")
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilterSet


class StateChangeViewSet(PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The state trail of the links the caller may read."""

    queryset = StateChange.objects.select_related("actor")
    serializer_class = s.StateChangeSerializer
    filterset_class = StateChangeFilterSet
