"""mip6check: a formal model and specification checker for draft-ietf-mobileip-ipv6-04.

The repository keeps its rooms as top-level folders (model/, properties/, cli/); they are imported as
mip6check.model, mip6check.properties and mip6check.cli (in a checkout through the symbolic links
beside this file, in an installed copy as real subpackages).
"""

__all__: list[str] = []
