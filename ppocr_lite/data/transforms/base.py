"""The base every registered data transform derives from."""

from __future__ import annotations

from typing import Any


class Transform:
    """One step of a dataset's pipeline: ``__call__(data) -> data`` (None drops the sample).

    What the dataset and inference need to know of an op is declared here, with defaults that
    most ops keep.

    Attributes:
        ext_data_num: Extra samples the dataset loads into ``data["ext_data"]`` for this op
            (RecConAug mixes lines); the ops before the first such op prepare them.
        uses_label: The op needs the label (an encoder): inference, which has none, skips it.
    """

    ext_data_num: int = 0
    uses_label: bool = False

    def __call__(self, data: dict[str, Any]) -> Any:
        """Transform one sample's dict (in place or into a new one); None drops the sample."""
        raise NotImplementedError
