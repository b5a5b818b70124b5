"""The migration history of DRF's old token app (`rest_framework.authtoken`), which it replaces.

API keys used to be DRF tokens, stored in clear in `authtoken_token`. They are now knox tokens
(accounts.ApiToken, a digest only), and `rest_framework.authtoken` is no longer installed: its
admin listed every live key. Its migrations cannot simply disappear with it, because the landed
`accounts.0003_token_scope` depends on `authtoken.0004`, and databases have those four recorded
as applied. This app carries the label `authtoken` and exactly those migrations (copied from
DRF 3.18), plus `0005_drop_clear_text_tokens`, which runs after accounts has turned every old
key into a digest (accounts.0005) and drops the old tables. It has no models and no code.
"""
