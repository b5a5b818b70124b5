from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from portal.views import (
    account,
    attribution,
    bulk,
    dashboard,
    evidence,
    link_detail,
    link_list,
    link_undo,
    notifications,
    orders,
    registers,
    second_factor,
    sources,
    submit,
)

app_name = "portal"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("login/", second_factor.LoginView.as_view(), name="login"),
    # the second factor (portal.views.second_factor)
    path("login/code/", second_factor.login_code, name="login_code"),
    path("second-factor/", second_factor.enrol, name="second_factor_enrol"),
    path(
        "second-factor/recovery-codes/",
        second_factor.new_recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path("second-factor/remove/", second_factor.remove, name="second_factor_remove"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", account.profile, name="profile"),
    path("profile/token/", account.new_token, name="new_token"),
    path("profile/tokens/<int:pk>/revoke/", account.revoke_token, name="revoke_token"),
    # the link registry (portal.views.link_list, portal.views.link_detail) and notifications
    path("links/", link_list.link_list, name="links"),
    path("links/export/<str:fmt>/", link_list.link_export, name="links_export"),
    path("links/attribution-search/", attribution.attribution_search, name="attribution_search"),
    path("links/bulk/", bulk.links_bulk, name="links_bulk"),
    path("links/<int:pk>/", link_detail.link_detail, name="link"),
    path("links/<int:pk>/transition/", link_detail.link_transition, name="link_transition"),
    path("links/<int:pk>/open/", link_detail.link_open, name="link_open"),
    path("links/<int:pk>/notes/", link_undo.link_note, name="link_note"),
    path("links/<int:pk>/case-number/", link_undo.link_case_number, name="link_case_number"),
    path("links/<int:pk>/withdraw/", link_undo.link_withdraw, name="link_withdraw"),
    re_path(
        r"^links/(?P<pk>[0-9]+)/(?P<action>assign|classify|attribute)/$",
        link_detail.link_work,
        name="link_work",
    ),
    # evidence: captures of a link or an order (portal.views.evidence)
    path("links/<int:pk>/capture/", evidence.capture_now, name="link_capture"),
    path("links/<int:pk>/evidence.zip", evidence.link_package, name="link_package"),
    path("captures/<int:pk>/preview.png", evidence.capture_preview, name="capture_preview"),
    path(
        "captures/<int:pk>/screenshot.png", evidence.capture_screenshot, name="capture_screenshot"
    ),
    path("captures/<int:pk>/reveal/", evidence.capture_reveal, name="capture_reveal"),
    path("captures/<int:pk>/hide/", evidence.capture_hide, name="capture_hide"),
    path("orders/<int:pk>/evidence/", evidence.order_evidence, name="order_evidence"),
    path("orders/<int:pk>/evidence.zip", evidence.order_package, name="order_package"),
    path("notifications/", notifications.notification_list, name="notifications"),
    # submit (portal.views.submit)
    path("submit/", submit.submit, name="submit"),
    path("submit/<uuid:batch_id>/", submit.batch, name="submit_batch"),
    path("submit/<uuid:batch_id>/next/", submit.next_chunk, name="submit_next"),
    path("submit/<uuid:batch_id>/results.csv", submit.batch_results, name="submit_results"),
    # registers (portal.views.registers)
    path("materials/", registers.materials, name="materials"),
    path("materials/match/", registers.file_match, name="file_match"),
    path("materials/<int:pk>/", registers.material, name="material"),
    path("organizations/", registers.organizations, name="organizations"),
    path("organizations/<int:pk>/", registers.organization, name="organization"),
    # blocking orders (portal.views.orders)
    path("orders/", orders.order_list, name="orders"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/new/decisions/", orders.decision_search, name="order_decisions"),
    path("orders/<int:pk>/", orders.order_detail, name="order"),
    re_path(
        r"^orders/(?P<pk>[0-9]+)/(?P<action>edit|sign|send|acknowledge|refuse|withdraw|close|repeat|revoke|remove)/$",
        orders.order_action,
        name="order_action",
    ),
    path(
        "orders/<int:pk>/documents/<int:document_pk>/",
        orders.document_download,
        name="order_document",
    ),
    path("links/<int:link_pk>/add-to-order/", orders.add_to_order, name="link_add_to_order"),
    # watched sources (portal.views.sources)
    path("sources/", sources.source_list, name="sources"),
    path("sources/new/", sources.source_add, name="source_add"),
    path("sources/<int:pk>/", sources.source_detail, name="source"),
    re_path(
        r"^sources/(?P<pk>[0-9]+)/(?P<action>pause|resume|watch|channel-link)/$",
        sources.source_action,
        name="source_action",
    ),
    path("presence/<int:pk>/watch/", sources.presence_watch, name="presence_watch"),
]
