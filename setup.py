"""Packaging for pixart_nb: every fact (name, version, requirements) is read from settings.ini."""
from configparser import ConfigParser
from pathlib import Path

from setuptools import find_packages, setup

cfg = ConfigParser(delimiters=["="])
cfg.read(Path(__file__).parent / "settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]
reqs = lambda key: cfg.get(key, "").split()

setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=(Path(__file__).parent / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author=cfg["author"],
    license="Apache-2.0",
    python_requires=f">={cfg['min_python']}",
    packages=find_packages(include=["pixart_nb", "pixart_nb.*"]),
    include_package_data=True,
    package_data={"pixart_nb": ["assets/*", "assets/**/*"]},
    install_requires=reqs("requirements"),
    extras_require={"dev": reqs("dev_requirements"), "trt": reqs("trt_requirements")},
    entry_points={"console_scripts": cfg["console_scripts"].split()},
    zip_safe=False,
)
