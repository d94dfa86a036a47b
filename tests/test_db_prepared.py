"""Prepared hot reads answer exactly what the same Tortoise query answers, transactions included."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from mumble.accounts import service as accounts
from mumble.db import open_database
from mumble.db.prepared import Prepared, text_marker, uuid_marker
from mumble.models import Account, ApiKey, Customer, CustomerLabel, Label

KEY_COLUMNS = ("id", "account_id", "status", "allowed_ips", "account__is_blocked", "role__name")


def _key_query(key_hash: str) -> Any:
    return ApiKey.filter(key_hash=key_hash).first().values(*KEY_COLUMNS)


def _customer_query(account_id: Any, phone: str) -> Any:
    return Customer.filter(account_id=account_id, phone=phone).first()


def _labels_query(customer_id: Any) -> Any:
    return CustomerLabel.filter(customer_id=customer_id).order_by("id").values("label__name")


async def test_prepared_reads_match_tortoise_for_every_argument(database_url: str) -> None:
    keys = Prepared(ApiKey, _key_query, text_marker())
    customers = Prepared(Customer, _customer_query, uuid_marker(), text_marker())
    labels = Prepared(CustomerLabel, _labels_query, uuid_marker())
    async with open_database(database_url):
        first = await accounts.create_account("First", None)
        second = await accounts.create_account("Second", None)
        await Account.filter(id=second.id).update(is_blocked=True)
        for account in (first, second):
            key, _ = await accounts.create_key(account.id, label="k")
            await ApiKey.filter(id=key.id).update(allowed_ips=["10.0.0.0/8"])
            customer = await Customer.create(account=account, phone="972500000001", name="Ann")
            for name in ("vip", "late"):
                label = await Label.create(account=account, name=f"{name}-{account.name}")
                await CustomerLabel.create(customer=customer, label=label)
            # Several arguments through one plan: each answer is the queryset's own answer.
            assert await keys.first(key.key_hash) == await _key_query(key.key_hash)
            mine = await customers.first(account.id, "972500000001")
            theirs = await _customer_query(account.id, "972500000001")
            assert mine is not None
            assert theirs is not None
            columns = Customer._meta.fields_db_projection
            assert {f: getattr(mine, f) for f in columns} == {
                f: getattr(theirs, f) for f in columns
            }
            assert await labels.rows(customer.id) == await _labels_query(customer.id)
        assert await keys.first("0" * 64) is None
        assert await customers.first(first.id, "972500000009") is None


async def test_prepared_reads_see_their_transaction(database_url: str) -> None:
    customers = Prepared(Customer, _customer_query, uuid_marker(), text_marker())
    async with open_database(database_url):
        account = await accounts.create_account("Tx", None)
        async with in_transaction():
            await Customer.create(account=account, phone="972500000002")
            # Not committed yet: only the transaction's own connection can see it.
            found = await customers.first(account.id, "972500000002")
            assert found is not None
            assert found.phone == "972500000002"
