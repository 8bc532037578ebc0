"""Plumbing shared by every Supabase operator: the connection field, the hook it owns, secret masking."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_supabase import DEFAULT_CONN_ID
from airflow_provider_supabase._owner import SupabaseHookOwner
from airflow_provider_supabase.compat import BaseOperator

if TYPE_CHECKING:
    import jinja2

    from airflow_provider_supabase.compat import Context


def secret_mapping_values(secrets: Any) -> list[Any]:
    """The values of secrets given as the API takes them: ``{name: value}`` or ``[{"name", "value"}, ...]``."""
    if isinstance(secrets, Mapping):
        return list(secrets.values())
    if isinstance(secrets, (list, tuple)):
        return [entry.get("value") for entry in secrets if isinstance(entry, Mapping)]
    return []


class SupabaseBaseOperator(SupabaseHookOwner, BaseOperator):
    """Base for the provider's operators.

    ``__init__`` only stores arguments: DAG files are parsed every few seconds, so the hook (and with it
    ``requests`` and the connection lookup) is built on first use inside ``execute``, and closed when it ends.

    :param supabase_conn_id: Airflow connection of type ``supabase`` (templated).
    """

    template_fields: Sequence[str] = ("supabase_conn_id",)
    # Template fields whose rendered values are secrets; see ``_secret_values``.
    secret_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, supabase_conn_id: str = DEFAULT_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supabase_conn_id = supabase_conn_id

    def _secret_values(self) -> Iterable[Any]:
        """The rendered secret values to mask; subclasses holding structured secrets override this."""
        return (getattr(self, name, None) for name in self.secret_fields)

    def _mask_secrets(self) -> None:
        from airflow_provider_supabase.compat import mask_secret

        for value in self._secret_values():
            # Masked one by one and without a name: given a name, the masker only hides values whose
            # name looks sensitive ("password", "token"...), and a secret called "STRIPE_WEBHOOK" would leak.
            if isinstance(value, str) and value:
                mask_secret(value)

    def render_template_fields(self, context: Context, jinja_env: jinja2.Environment | None = None) -> None:
        super().render_template_fields(context, jinja_env)
        # The runner stores the rendered fields (redacted) right after this returns and before execute().
        self._mask_secrets()

    def _do_render_template_fields(
        self,
        parent: Any,
        template_fields: Iterable[str],
        context: Context,
        jinja_env: jinja2.Environment,
        seen_oids: set[int],
    ) -> None:
        super()._do_render_template_fields(parent, template_fields, context, jinja_env, seen_oids)
        # A mapped task (.partial().expand()) renders its unmapped operator through this method and never
        # calls render_template_fields on it, so masking here too is what protects mapped secrets.
        if parent is self:
            self._mask_secrets()
