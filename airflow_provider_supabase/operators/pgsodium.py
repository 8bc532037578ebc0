"""Replace a project's pgsodium root key, behind an explicit data-loss acknowledgement."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.exceptions import SupabaseInputError
from airflow_provider_supabase.operators._base import SupabaseBaseOperator
from airflow_provider_supabase.validation import validate_ref, validate_root_key

if TYPE_CHECKING:
    from airflow_provider_supabase.compat import Context


class UpdatePgsodiumRootKeyOperator(SupabaseBaseOperator):
    """Set the pgsodium root key of a project.

    Data encrypted with the old key (pgsodium, Vault secrets) cannot be decrypted after the change, so the
    operator refuses to run unless ``i_understand_data_loss=True``. Nothing is sent when the key already
    matches. The key is masked from the moment it is rendered (and the current key, once read, too); it never
    appears in a log line, an error or the XCom.

    :param project_ref: project ref (templated).
    :param root_key: the new key, 64 hexadecimal characters (templated: take it from a secrets backend,
        e.g. ``{{ var.value.pgsodium_root_key }}``, not from the DAG file).
    :param i_understand_data_loss: must be True; not templated on purpose.
    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).

    XCom: ``{"updated": bool}``.
    """

    template_fields: Sequence[str] = ("supabase_conn_id", "project_ref", "root_key")
    secret_fields = ("root_key",)
    ui_color = "#f28b82"

    def __init__(self, *, project_ref: str, root_key: str, i_understand_data_loss: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project_ref = project_ref
        self.root_key = root_key
        self.i_understand_data_loss = i_understand_data_loss

    def _secret_values(self) -> Iterable[Any]:
        # Also the lower-case form: the comparison below is case-insensitive, so either may be logged by a user.
        return [self.root_key, self.root_key.lower()] if isinstance(self.root_key, str) else []

    def execute(self, context: Context) -> dict[str, bool]:
        if self.i_understand_data_loss is not True:
            raise SupabaseInputError(
                "i_understand_data_loss",
                "changing the pgsodium root key makes data encrypted with the current key unreadable; set "
                "i_understand_data_loss=True to proceed",
            )
        ref = validate_ref(self.project_ref)
        key = validate_root_key(self.root_key)
        current = str((self.hook.get_pgsodium_config(ref) or {}).get("root_key") or "")
        if current:
            from airflow_provider_supabase.compat import mask_secret

            mask_secret(current)
        if hmac.compare_digest(current.lower().encode(), key.lower().encode()):
            self.log.info("The pgsodium root key of project %s is already the requested one; nothing to do", ref)
            return {"updated": False}
        self.hook.update_pgsodium_config(ref, key)
        self.log.info("Updated the pgsodium root key of project %s", ref)
        return {"updated": True}
