"""A local OpenID provider for `hub demo`: four fictional agencies, a persona picker, loopback only.

Built on authlib's server components so that a demo sign-in exercises the hub's real code flow with
PKCE, exactly as a partner agency's provider would. Never deploy it: it signs anyone in.
"""

from hub.demo_idp.app import create_demo_idp
from hub.demo_idp.directory import DemoClient, DemoPerson, Tenant
from hub.demo_idp.loopback import NotLoopbackError, require_loopback_host

__all__ = ["DemoClient", "DemoPerson", "NotLoopbackError", "Tenant", "create_demo_idp",
           "require_loopback_host"]
