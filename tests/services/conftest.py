"""Fixtures of the service tests: a database with the starter catalog and a model fitted once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reelmates.services.starter import seed_starter_catalog
from reelmates.services.taste import ModelHolder, train_taste_model
from reelmates.settings import Settings
from reelmates.store.db import create_db_engine
from reelmates.store.migrate import upgrade_to_head


@pytest.fixture(scope="module")
def holder(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelHolder]:
    """The starter catalog and the demo friends, with a model trained on them (one per module)."""
    engine = create_db_engine(module_db_url)
    upgrade_to_head(engine)
    seed_starter_catalog(engine)
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=module_db_url)
    train_taste_model(engine, settings)
    yield ModelHolder(settings.effective_model_dir, engine)
    engine.dispose()
