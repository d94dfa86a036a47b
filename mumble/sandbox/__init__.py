"""The local Cloud API sandbox: `from mumble.sandbox import Sandbox`.

Graph endpoints (any version segment, any non-empty bearer token); errors in Graph's shape:
  POST   /{v}/{phone-number-id}/messages   send (`to` or `recipient` BSUID; 131047 outside the
                                           window, 132xxx templates) or {status: read,
                                           message_id, typing_indicator?} -> {"success": true}
  POST   /{v}/{phone-number-id}/media      multipart upload -> {"id"} (Meta's media table)
  GET    /{v}/{media-id}                   {url, mime_type, sha256, file_size, id}; the url
                                           needs a token
  DELETE /{v}/{media-id}                   {"success": true}
  GET    /{v}/{phone-number-id}?fields=    id, display_phone_number, throughput {level}
  POST   /{v}/{waba-id}/message_templates  -> {"id", "status": "PENDING", "category"}
  GET    /{v}/{waba-id}/message_templates  paged, filters status/category/language (comma lists),
                                           name (part), content; summary=... adds `summary`
  DELETE /{v}/{waba-id}/message_templates  ?name=X (all languages) [&hsm_id=ID (that one)]
  GET    /{v}/{template-id}[?fields=]      one template; POST edits it; POST .../unpause
  POST /{v}/{app-id}/uploads, then /{v}/upload:{session}   resumable upload -> {"h"}
Control API (plain JSON), under /_sandbox/:
  GET  health, messages, requests, webhooks, templates, faults, config
  POST inbound {phone_number_id, type, from?, user_id?, parent_user_id?, name?, text?, ...}
       (awaits delivery)
  POST windows {phone_number_id, wa_id | user_id, close?}
  POST user-preferences {phone_number_id, wa_id, value: stop|resume, category?, name?}
       (Meta's user_preferences webhook; awaits delivery)
  POST channels {phone_number_id, waba_id, display_phone_number?}
  POST statuses {id, status, error_code?, error_title?, error_details?}
  POST templates (seed, default APPROVED), templates/{id}/status {status, reason?, info?}
       ({id}: the sandbox's id, or one the embedding app maps: `mumble serve` takes
       create-template's data.id too)
  POST templates/{id}/review (approve, or reject by templates_meta's rules)
  POST faults {target?, count?, probability?, latency?, error_code?, error_subcode?,
               error_message?, http_status?, retry_after?, webhook?: drop|duplicate|reorder,
               early_statuses?: [sent, delivered, read]}
    early_statuses: the next `count` sends deliver these status webhooks (awaited) before
    answering the POST /messages; the other auto_statuses follow in the background as usual.
  DELETE faults
    a fault's error_code may be any of Meta's: 130429, 131056, 131048, 131049, 80007, 4 ...
  POST capacity, quality-update, capability-update: a number's throughput level, messaging
       limit and quality, and their webhooks (mumble.sandbox.capacity)
  POST config {webhook_url?, app_secret?, review_delay?, status_delay?, auto_statuses? (of sent,
               delivered, read, played), enforce_window?, user_ids?, conversation?, voice_played?}
  POST flush (await background webhooks), reset
"""

from mumble.sandbox.app import Sandbox
from mumble.sandbox.core import SandboxConfig, SandboxCore
from mumble.sandbox.state import ChannelInfo

__all__ = ["ChannelInfo", "Sandbox", "SandboxConfig", "SandboxCore"]
