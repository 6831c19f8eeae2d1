"""The certification suite as pytest collects it: one item per catalog requirement.

``conformance run`` starts a pytest session on this package; vendors who already use pytest can
run the same suite directly::

    pytest --pyargs conformance.suite --conformance-api roomz --conformance-base-url URL \\
        --html reports/report.html --self-contained-html --junitxml reports/junit.xml

Credentials come from the environment (ROOMZ_USERNAME, ROOMZ_PASSWORD, ROOMONITOR_USER_ID, ...).
The ``*.suite`` files name the API whose requirements they hold; the items come from the
catalog (``conformance.runner.plugin``).
"""
