"""The request's questions: the pages a resident answers online, their order, and how the
answers read back. Shared by the resident area and the staff area, which do not import each
other."""
