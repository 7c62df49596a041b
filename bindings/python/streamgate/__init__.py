# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""StreamGate: token-gated video delivery, embedded in Python.

The compiled core (``streamgate._streamgate``, pybind11) mirrors the C++ API of libstreamgate
with snake_case names; this package adds the exception hierarchy (:mod:`streamgate.errors`),
configuration from dicts (:func:`load_config`), the :class:`Engine` and context managers.

Long calls (transcode, SQLite, Redis, network) release the GIL. Callbacks (transcode progress,
job handlers, metadata change hooks) run on library threads and take the GIL only while they run.
"""

from . import _streamgate
from ._streamgate import (  # noqa: F401  (re-exported API)
    Authenticator, Cache, CacheStats, CancelToken, Challenge, ConfigKeyInfo, ContentItem,
    ContentPage, ContentState, Counter, CounterFamily, Gauge, GaugeFamily, Histogram,
    HistogramFamily, Job, JobContext, JobPage, JobQueue, JobQueueDepth, JobState, JobWorker,
    LadderRung, MetadataStore, MetricsRegistry, Monitor, ObjectInfo, ObjectStore, PackagedMedia,
    PackagedRendition, PackagedSegment, PlaybackGrant, PlaybackTokenSigner, RenditionKind,
    Runtime, Session, SessionClaims, StatusCode, TranscodeResult, Transcoder, UploadInfo,
    UploadKind, UploadState, Uploader, append_query, config_keys, configure_logging,
    default_ladder, default_latency_buckets, ladder_to_string, log, new_local_object_store,
    new_lru_cache, new_redis_cache, new_redis_job_queue, new_s3_object_store,
    new_sqlite_job_queue, parse_ladder, prometheus_content_type, sniff_video_container,
    validate_metric_name,
)
from .config import Config, config_to_dict, load_config  # noqa: F401
from .engine import MONOLITH_PLUGINS, Engine  # noqa: F401
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _error_names

__version__ = _streamgate.__version__


def _to_dict(self):
    """The fields as a dict (nested values stay objects)."""
    return {name: getattr(self, name) for name in type(self)._fields}


def _enter_self(self):
    return self


def _install_helpers():
    for cls in (CacheStats, Challenge, ConfigKeyInfo, ContentItem, Job, JobQueueDepth,
                ObjectInfo, PackagedRendition, PackagedSegment, PlaybackGrant, Session,
                SessionClaims, TranscodeResult, UploadInfo):
        cls.to_dict = _to_dict

    # Context managers for everything that holds threads or files.
    MetadataStore.__enter__ = _enter_self
    MetadataStore.__exit__ = lambda self, *exc: self.close()
    Runtime.__enter__ = _enter_self
    Runtime.__exit__ = lambda self, *exc: self.stop()
    Monitor.__enter__ = lambda self: (self.start(), self)[1]
    Monitor.__exit__ = lambda self, *exc: self.stop()

    def worker_enter(self):
        self.start()
        return self

    def handler(self, job_type):
        """Decorator: ``@worker.handler("thumbnail")`` registers the function for that type."""

        def register(fn):
            self.register(job_type, fn)
            return fn

        return register

    JobWorker.__enter__ = worker_enter
    JobWorker.__exit__ = lambda self, *exc: self.stop()
    JobWorker.handler = handler

    # Mapping-style access to a cache; misses raise KeyError (NotFoundError is a LookupError).
    def cache_getitem(self, key):
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def cache_delitem(self, key):
        if not self.delete(key):
            raise KeyError(key)

    Cache.__getitem__ = cache_getitem
    Cache.__setitem__ = lambda self, key, value: self.set(key, value)
    Cache.__delitem__ = cache_delitem


_install_helpers()

__all__ = [name for name in dir() if not name.startswith("_")] + list(_error_names)
