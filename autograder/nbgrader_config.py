"""nbgrader configuration of the course.

solutions/ is nbgrader's source directory (the one source of truth) and lessons/ its
release directory. Everything that changes as grading happens (the gradebook,
submitted/, autograded/, feedback/) lives under autograder/ and is git-ignored.

nbgrader reads this file from its working directory, so run it in autograder/:
``cd autograder && nbgrader <command>``. `make lessons` loads it there too (through
``rnncourse.grader.release``). The course root it names is the project root either way.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when this file is loaded)

_here = os.path.dirname(os.path.abspath(__file__))
_root = os.path.dirname(_here)

c.CourseDirectory.course_id = "rnn-language-modeling-ch2"
c.CourseDirectory.root = _root
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.submitted_directory = os.path.join("autograder", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("autograder", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("autograder", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_here, "gradebook.db")
# Only the notebook travels to students; data comes from the pinned packages.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.db"]

c.Exchange.root = os.path.join(_here, ".exchange")

# The student sees this where a solution was.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Student notebooks carry no outputs.
c.ClearOutput.enabled = True

# Grading runs in fast mode; a stuck cell must not hang the grader.
c.Execute.timeout = 300
