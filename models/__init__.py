"""Paper reproductions, one folder per paper; installed as ``cortexlearn.models``.

Each ``models/NAME/__init__.py`` defines ``MODEL`` (a :class:`cortexlearn.model.Model`):
parameters with their sources, how it runs, its figure and the paper's numbers it is judged by.
``cortexlearn list`` shows them; ``cortexlearn run NAME`` runs one.
"""
