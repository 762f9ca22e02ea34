"""The Streamlit app's building blocks: controls, charts, scenario files, state and page sections.

``app.py`` lays out the page from these modules. Only ``charts``, ``levers`` and
``scenario_files`` are free of Streamlit, so they can be used and tested on their own.
"""
