"""Sphinx configuration of the geozones documentation site (built by ``scripts/docs``).

The build is offline: no intersphinx, no remote images or scripts, and the notebooks are
executed at build time (they are committed without outputs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geozones

sys.path.insert(0, str(Path(__file__).resolve().parent))  # cli_reference.py, for cli.md

project = "geozones"
author = "The geozones developers"
copyright = "the geozones developers; data under its own licences (see Data and credits)"
release = geozones.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinxarg.ext",
]

exclude_patterns = ["_build", "notebooks/README.md", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# API reference: autosummary pages from the numpydoc docstrings.
autosummary_generate = True
autosummary_ignore_module_all = False  # a module's page lists its __all__
autodoc_typehints = "none"  # the signature shows them; numpydoc describes the parameters
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False  # autosummary lists members; avoids duplicate stubs
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# MyST and the notebooks: executed at every build (they hold no outputs).
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_ipywidgets_js = {}  # no widget manager from a CDN: the maps are self-contained HTML

# The pydata theme, offline: no icon links to remote images, no analytics, no version switcher.
html_theme = "pydata_sphinx_theme"
html_title = f"geozones {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 4,
    "show_toc_level": 2,
    "icon_links": [],
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "auto"}  # light or dark as the reader's system says
# no empty "Section Navigation" column on the pages that have no sub-pages
html_sidebars = {
    page: [] for page in ("index", "getting-started", "computing", "cli", "data", "changelog")
}
html_show_sourcelink = False
html_last_updated_fmt = None
