"""The Streamlit app's building blocks: controls, charts, scenario files, state and page sections.

``app.py`` lays out the page from these modules. ``charts``, ``figures``, ``levers``,
``scenario_files``, ``text`` and ``wording`` (the headline's phrases, shared with the board
report) are free of Streamlit, so they can be used and tested on their own.
"""
