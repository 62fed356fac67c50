"""Data-parallel training over MPI: each process trains on its slice of every global batch.

``mpiexec -n N chainrule train ... --distributed`` runs N copies of the same training loop
(:class:`~chainrule.training.run.Run`); every process reads the data, draws the same batches
from the same seed, and keeps rows ``[r·B/N, (r+1)·B/N)`` of each global batch of B rows. A
:class:`DataParallel` sits in each learner between backward and the optimizer step (its
``gradient_hook``): it packs the process's gradients, weighted by its share of the batch, and
the batch loss into one preallocated contiguous buffer and sums it over the processes with
ONE ``Allreduce`` per step. The sum is the gradient of the global batch's mean loss, so the
processes take the step one process would take on the whole batch, and end with its weights
to float rounding (the two halves of a product are summed in another order).

What keeps the processes in step: the same seed gives the same initial weights, and the
parameters are broadcast from rank 0 once before training anyway (a node with another NumPy
cannot drift); the batch loss is part of the sum, so a divergence is seen by every process at
the same step. Batch normalization and dropout are refused: a slice's batch statistics are not
the global batch's, and each process would draw its own dropout masks.

mpi4py is imported here only, and only when a :class:`DataParallel` is made
(``pip install 'chainrule[mpi]'``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.errors import ConfigError, NonFiniteError
from chainrule.i18n import _
from chainrule.training.config import TrainConfig


class DataParallel:
    """Shards each global batch across the processes of ``comm`` and averages gradients.

    ``comm``: an mpi4py communicator (``MPI.COMM_WORLD`` by :meth:`world`), or anything with
    its ``Get_rank``, ``Get_size``, ``Allreduce`` and ``Bcast``; ``in_place`` and ``op`` are
    mpi4py's ``MPI.IN_PLACE`` and ``MPI.SUM`` (a stand-in communicator takes None).

    >>> class Alone:  # a one-process stand-in for MPI.COMM_WORLD
    ...     def Get_rank(self): return 0
    ...     def Get_size(self): return 1
    ...     def Allreduce(self, send, recv, op=None): pass
    >>> dp = DataParallel(Alone())
    >>> x, y = dp.shard(np.ones((4, 2)), np.arange(4))
    >>> grads, loss = dp.average([np.ones(3, np.float32)], 0.5)
    >>> x.shape, grads[0].tolist(), loss
    ((4, 2), [1.0, 1.0, 1.0], 0.5)
    """

    def __init__(self, comm: Any, in_place: Any = None, op: Any = None) -> None:
        self.comm = comm
        self._in_place, self._op = in_place, op
        self.rank = int(comm.Get_rank())
        self.size = int(comm.Get_size())
        self._share = 1.0  # this process's rows / the global batch's rows, set by shard()
        self._buffer: np.ndarray | None = None
        self._interrupted = False  # Ctrl-C came: every process stops at the next step
        self._previous_sigint: Any = None
        self.allreduces = 0  # Allreduce calls so far: one per training step
        self._agreed = False  # whether this process has met the others before training
        self._began = False  # whether training has begun (the others then wait in steps)

    @classmethod
    def world(cls) -> DataParallel:
        """All the processes ``mpiexec`` started; a ConfigError without mpi4py or when this
        process is alone (``--distributed`` outside ``mpiexec``, or ``mpiexec -n 1``)."""
        try:
            from mpi4py import MPI
        except ImportError:
            raise ConfigError(
                _("--distributed needs mpi4py and an MPI library: pip install 'chainrule[mpi]'")
            ) from None
        except RuntimeError as exc:  # mpi4py is there, but found no libmpi to load
            raise ConfigError(
                _(
                    "--distributed: mpi4py found no MPI library ({error}); pip install "
                    "'chainrule[mpi]', or name one in MPI4PY_LIBMPI"
                ).format(error=str(exc).splitlines()[0])
            ) from None
        parallel = cls(MPI.COMM_WORLD, MPI.IN_PLACE, MPI.SUM)
        if parallel.size < 2:
            raise ConfigError(
                _(
                    "--distributed: this process is alone; start it with mpiexec -n N "
                    "(N at least 2), e.g. mpiexec -n 2 chainrule train ... --distributed"
                )
            )
        return parallel

    @property
    def is_root(self) -> bool:
        """Whether this is rank 0: the one process that prints and writes files."""
        return self.rank == 0

    def check(self, config: TrainConfig) -> None:
        """Refuse the settings under which N processes cannot take one process's steps."""
        if config.batch_norm:
            raise ConfigError(
                _(
                    "--distributed with --batch-norm: each process would normalize by the "
                    "statistics of its own slice, not the global batch's; train without one"
                )
            )
        if config.dropout > 0:
            raise ConfigError(
                _(
                    "--distributed with --dropout: each process would draw its own masks, "
                    "so the weights would differ from one process's; train without one"
                )
            )

    def shard(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """This process's rows of the global batch (x, y), and its share of the batch kept
        for :meth:`average`. A process with no rows (a batch smaller than the processes)
        computes on the batch's first row with a share of 0: it still joins the Allreduce."""
        rows = len(x)
        start, stop = self.rank * rows // self.size, (self.rank + 1) * rows // self.size
        if stop == start:
            self._share = 0.0
            return x[:1], y[:1]
        self._share = (stop - start) / rows
        return x[start:stop], y[start:stop]

    def average(self, grads: Sequence[np.ndarray], loss: float) -> tuple[list[np.ndarray], float]:
        """The global batch's gradients and mean loss from this process's (means over its
        slice): Σ over processes of share · value, by one Allreduce of a flat buffer.

        Returns new arrays shaped like ``grads`` (the buffer is reused at the next step)."""
        buffer = self._flat_buffer(grads)
        offset = 0
        for grad in grads:
            size = grad.size
            np.multiply(grad.reshape(-1), self._share, out=buffer[offset : offset + size])
            offset += size
        buffer[offset] = loss * self._share
        buffer[offset + 1] = 1.0 if self._interrupted else 0.0
        self.comm.Allreduce(self._in_place, buffer, op=self._op)
        self.allreduces += 1
        if buffer[offset + 1] > 0:  # Ctrl-C reached some process: every one stops here
            raise KeyboardInterrupt
        averaged, offset = [], 0
        for grad in grads:
            averaged.append(buffer[offset : offset + grad.size].reshape(grad.shape).copy())
            offset += grad.size
        return averaged, float(buffer[offset])

    def broadcast(self, arrays: Sequence[np.ndarray]) -> None:
        """Overwrite ``arrays`` (in place) with rank 0's, by one Bcast of a flat buffer."""
        if not arrays:
            return
        flat = np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays])
        self.comm.Bcast(flat, root=0)
        offset = 0
        for array in arrays:
            array[...] = flat[offset : offset + array.size].reshape(array.shape)
            offset += array.size

    def attach(self, learner: Any) -> None:
        """Make ``learner`` train data-parallel: rank 0's weights everywhere, then this
        object between its backward pass and its optimizer step. Every process calls it
        once, ready to train, or :meth:`abandon` when it failed before (a ConfigError here
        then: no process starts training without the others)."""
        self._agree(failed=False)
        self.broadcast(learner.parameter_arrays())
        learner.gradient_hook = self
        self._began = True
        if threading.current_thread() is threading.main_thread():
            # Ctrl-C under mpiexec reaches the processes at different points of a step: one
            # raising at once would leave the others in the Allreduce forever. Noted here,
            # it stops them all at the same step (see average), rank 0 keeping the last epoch.
            self._previous_sigint = signal.signal(signal.SIGINT, self._note_interrupt)

    def detach(self) -> None:
        """Training is over: Ctrl-C interrupts this process at once again."""
        if self._previous_sigint is not None:
            signal.signal(signal.SIGINT, self._previous_sigint)
            self._previous_sigint = None

    def _note_interrupt(self, signum: int, frame: Any) -> None:
        self._interrupted = True

    def abandon(self, error: BaseException | None = None) -> None:
        """This process failed with ``error``: make sure no other one waits for it forever.

        Before training (rank 0 alone checks ``--save``, a node may lack the data) the
        processes waiting in :meth:`attach` learn it and stop with a ConfigError. Once
        training has begun they wait in the next step's Allreduce, and only aborting the MPI
        job frees them: this process says why in one line on stderr and aborts every
        process (exit status 2). Ctrl-C (noted, then shared in the next step's Allreduce) and
        a diverged loss (the shared loss) stop every process at the same step, so they abort
        nothing: rank 0 is then saving the last finished epoch.
        """
        if not self._agreed:
            self._agree(failed=True)
            return
        collective = isinstance(error, KeyboardInterrupt | NonFiniteError)
        if not self._began or error is None or collective:
            return  # (a failed agreement, too, stops every process: none is left waiting)
        message = _("chainrule: process {rank} of {size} stopped: {error}; stopping them all")
        reason = str(error) or type(error).__name__
        print(message.format(rank=self.rank, size=self.size, error=reason), file=sys.stderr)
        sys.stderr.flush()
        abort = getattr(self.comm, "Abort", None)  # a stand-in communicator may have none
        if abort is not None:
            abort(2)
            os._exit(2)  # MPI_Abort may return before the job is torn down: say nothing more

    def _agree(self, *, failed: bool) -> None:
        """One Allreduce of a failure count before training; a ConfigError on the processes
        that did not fail when another one did."""
        self._agreed = True
        count = np.array([1.0 if failed else 0.0])
        self.comm.Allreduce(self._in_place, count, op=self._op)
        if not failed and count[0] > 0:
            raise ConfigError(
                _(
                    "--distributed: another process stopped before training (its message says "
                    "why); this one stops too"
                )
            )

    def _flat_buffer(self, grads: Sequence[np.ndarray]) -> np.ndarray:
        """The step's buffer: every gradient, the loss, then how many processes were
        interrupted; allocated once and reused."""
        size = sum(g.size for g in grads) + 2
        dtype = np.result_type(*grads) if grads else np.float64
        if self._buffer is None or self._buffer.size != size or self._buffer.dtype != dtype:
            self._buffer = np.empty(size, dtype)
        return self._buffer
