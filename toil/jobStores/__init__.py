"""Toil's ``toil.jobStores`` import path: job stores (see ``abstractJobStore``, ``fileJobStore``)."""
