"""The agents of the MLE-STAR graph, one folder each: `<folder>/<folder>.py` builds the agent and
`prompt.py` holds what it asks a model.

The agent module is named after its folder, not `agent.py`: `adk web` and `adk run` offer every
folder below the working directory that holds an `agent.py` as an app of its own, and only the
package's root agent (`machine_learning_engineering/agent.py`) is one.
"""
