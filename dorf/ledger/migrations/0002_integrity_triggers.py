"""Defence in depth on PostgreSQL: the database itself keeps the books balanced and immutable.

- A transfer whose entries do not sum to 0 (or that has fewer than two) fails at commit
  (deferred constraint triggers, so the entries can be inserted one by one).
- Entries and transfers cannot be updated or deleted; the single exception is the GDPR
  redaction of a transfer's memo to "[gelöscht]" with every other column unchanged.
- Accounts cannot be deleted, and only their cached balance (and a club's name) may change.

SQLite has no such triggers; there ``manage.py ledger_audit`` is the check.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION ledger_check_transfer_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tid bigint;
    total bigint;
    n integer;
BEGIN
    IF TG_TABLE_NAME = 'ledger_entry' THEN
        tid := NEW.transfer_id;
    ELSE
        tid := NEW.id;
    END IF;
    SELECT coalesce(sum(minutes), 0), count(*) INTO total, n
      FROM ledger_entry WHERE transfer_id = tid;
    IF n < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'ledger: transfer % is unbalanced (% entries, sum %)', tid, n, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT ON ledger_entry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_transfer_balanced();
CREATE CONSTRAINT TRIGGER ledger_transfer_balanced
    AFTER INSERT ON ledger_transfer DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_transfer_balanced();

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Columns are compared through jsonb: PL/pgSQL does not short-circuit AND, and
    -- NEW.memo does not exist on the other tables.
    IF TG_OP = 'UPDATE' THEN
        IF TG_TABLE_NAME = 'ledger_transfer'
           AND to_jsonb(NEW) ->> 'memo' = '[gelöscht]'
           AND (to_jsonb(NEW) - 'memo') = (to_jsonb(OLD) - 'memo') THEN
            RETURN NEW;
        END IF;
        IF TG_TABLE_NAME = 'ledger_account'
           AND (to_jsonb(NEW) - 'balance_minutes' - 'name')
               = (to_jsonb(OLD) - 'balance_minutes' - 'name') THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'ledger: % of % is not allowed; book a reversal instead', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transfer_immutable BEFORE UPDATE OR DELETE ON ledger_transfer
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_account_guarded BEFORE UPDATE OR DELETE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_account_guarded ON ledger_account;
DROP TRIGGER IF EXISTS ledger_transfer_immutable ON ledger_transfer;
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP TRIGGER IF EXISTS ledger_transfer_balanced ON ledger_transfer;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_check_transfer_balanced();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
