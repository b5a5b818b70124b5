"""Reads shared by the registers: the court decisions list and the spelling-tolerant search."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import F, FloatField, Q, QuerySet, TextField, Value
from django.db.models.functions import Greatest, Replace

from decisions.models import CourtDecision
from utilities.search import compact, search_key

# word_similarity of the query key against the best-matching stretch of a record's key. 0.5
# accepts one or two wrong letters in a word and words run together («хизбут тахрир»).
TRIGRAM_THRESHOLD = 0.5


def text_search(
    queryset: QuerySet,
    q: str,
    *,
    fulltext_fields: tuple[str, ...] = (),
    also: Q | None = None,
) -> QuerySet:
    """Rows whose `search_key` resembles `q`, or whose text fields match it, best first.

    Trigram word similarity on the Latin search key (misspellings, transliteration, Russian or
    Kazakh), the key contained in it with its spaces removed (words run together), and full-text
    search with the Russian configuration (word forms) over `fulltext_fields`. `also` adds
    conditions of the caller's (a number).
    """
    q = (q or "").strip()
    key = search_key(q)
    if not key:
        return queryset
    queryset = queryset.annotate(
        _compact_key=Replace(F("search_key"), Value(" "), Value(""), output_field=TextField())
    )
    condition = Q(_compact_key__contains=compact(key))
    if also is not None:
        condition |= also
    queryset = queryset.annotate(similarity=_trigram_word_similarity(key), _fts_rank=Value(0.0))
    condition |= Q(similarity__gte=TRIGRAM_THRESHOLD)
    if fulltext_fields:
        vector = SearchVector(*fulltext_fields, config="russian")
        query = SearchQuery(q, config="russian", search_type="websearch")
        queryset = queryset.annotate(_fts=vector, _fts_rank=SearchRank(vector, query))
        condition |= Q(_fts=query)
    return queryset.filter(condition).annotate(
        search_rank=Greatest(F("similarity"), F("_fts_rank"), output_field=FloatField())
    )


def _trigram_word_similarity(key: str):
    from django.contrib.postgres.search import TrigramWordSimilarity

    return TrigramWordSimilarity(Value(key), "search_key")


def decisions_for(user) -> QuerySet:
    return (
        CourtDecision.objects.restrict(user, "view")
        .select_related("region", "claimant")
        .order_by("-decision_date", "-pk")
    )
