from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('is_blocked', fields.BooleanField(default=False)),
                ('phone_number_id', fields.CharField(null=True, unique=True, max_length=64)),
                ('waba_id', fields.CharField(null=True, max_length=64)),
                ('display_phone', fields.CharField(null=True, max_length=32)),
                ('access_token', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'account', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Agent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='agents', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'agent', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Bot',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='bots', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'bot', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomFieldDefinition',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='custom_field_definitions', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'custom_field_definition', 'app': 'models', 'unique_together': (('account', 'name'),), 'pk_attr': 'id', 'table_description': 'A custom field name in use in an account (at most 15 per account).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Event',
            fields=[
                ('seq', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('id', fields.UUIDField(default=uuid4, unique=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(max_length=64)),
                ('customer_id', fields.UUIDField(null=True)),
                ('data', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event', 'app': 'models', 'indexes': [Index(fields=['account_id', 'seq'])], 'pk_attr': 'seq', 'table_description': 'One integrator-facing event. `seq` gives the total order deliveries follow.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Label',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='labels', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'label', 'app': 'models', 'unique_together': (('account', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Role',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='roles', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('permissions', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'role', 'app': 'models', 'unique_together': (('account', 'name'),), 'pk_attr': 'id', 'table_description': 'A named, reusable set of permissions. account=None marks a built-in role.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='api_keys', on_delete=OnDelete.CASCADE)),
                ('role', fields.ForeignKeyField('models.Role', source_field='role_id', null=True, db_constraint=True, to_field='id', related_name='api_keys', on_delete=OnDelete.RESTRICT)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('prefix', fields.CharField(max_length=24)),
                ('label', fields.CharField(default='', max_length=200)),
                ('status', fields.CharField(default='active', max_length=16)),
                ('rate_limit', fields.CharField(null=True, max_length=100)),
                ('allowed_ips', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_key', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An API key. Only the SHA-256 of the plaintext is stored. The plaintext is shown once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Team',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='teams', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('members', fields.ManyToManyField('models.Agent', unique=True, db_constraint=True, through='team_member', forward_key='agent_id', backward_key='team_id', related_name='teams', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'team', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Customer',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='customers', on_delete=OnDelete.CASCADE)),
                ('phone', fields.CharField(null=True, max_length=15)),
                ('bsuid', fields.CharField(null=True, max_length=160)),
                ('name', fields.CharField(null=True, max_length=200)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('source', fields.CharField(null=True, max_length=200)),
                ('country', fields.CharField(null=True, max_length=2)),
                ('conversation_status', fields.CharField(default='new', max_length=32)),
                ('last_interaction', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_inbound_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('agent', fields.ForeignKeyField('models.Agent', source_field='agent_id', null=True, db_constraint=True, to_field='id', related_name='customers', on_delete=OnDelete.SET_NULL)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', null=True, db_constraint=True, to_field='id', related_name='customers', on_delete=OnDelete.SET_NULL)),
                ('bot', fields.ForeignKeyField('models.Bot', source_field='bot_id', null=True, db_constraint=True, to_field='id', related_name='customers', on_delete=OnDelete.SET_NULL)),
                ('bot_mode', fields.CharField(null=True, max_length=8)),
                ('attribution', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('custom_fields', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'customer', 'app': 'models', 'unique_together': (('account', 'phone'), ('account', 'bsuid')), 'indexes': [Index(fields=['account_id', 'created_at', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CustomerLabel',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='label_links', on_delete=OnDelete.CASCADE)),
                ('label', fields.ForeignKeyField('models.Label', source_field='label_id', db_constraint=True, to_field='id', related_name='customer_links', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'customer_label', 'app': 'models', 'unique_together': (('customer', 'label'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
