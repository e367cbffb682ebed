"""Smart-plug simulators speaking the real protocols on 127.0.0.1.

Every simulator has the same small API, so a test can swap one for another::

    from tests.support.plugsim import KlapSim, ShellySim, TasmotaSim, KasaSim

    with ShellySim(gen=2, power_w=40.0) as sim:      # starts on a free port
        spec = PlugSpec("desk", "shelly", "127.0.0.1", sim.port)
        ...
        sim.is_on                   # the relay now (an expired failsafe switched it off)
        sim.is_on = True            # someone pressed the button
        sim.set_reachable(False)    # port closed: connections refused; True re-opens it
        sim.drop_percent = 30       # HTTP sims: drop 30 % of requests without an answer

* :class:`ShellySim` (``gen=1`` or ``2``), :class:`TasmotaSim` and
  :class:`KlapSim` (a Tapo P110 behind KLAP v2; login ``username``/``password``
  arguments, default ``user@example.com``/``secret``) run an aiohttp server
  on their own thread.  They also give ``power_w`` (drawn while on),
  ``energy_wh`` (a counter growing with real time; assign it to jump or to
  reset it), ``failsafe_remaining()``, ``switch_log`` (monotonic time, on) of
  every relay change, ``switch_offs()`` and ``requests`` (paths).  KlapSim
  also has ``methods`` (SMART methods received), ``handshakes`` and the class
  attribute ``minute_s`` (seconds per AutoOff minute; shrink it in tests).
* :class:`KasaSim` runs the npm ``tplink-smarthome-simulator`` (``hs110``)
  under node; drops are its garbled answers: ``set_drop_percent(30)`` or
  ``KasaSim(unreliable=0.3)``; ``set_emeter(power_w=, total_kwh=)`` sets its
  meter, which is live: ``play_profile``/``profile_wh`` as above, the counter
  in the firmware's units (``hs110``: W and kWh; ``hs110v2``: mW and whole Wh),
  and ``KasaSim(meter=False)`` answers power without the counter.
  :func:`kasa_simulator_available` tells whether node and the package are
  installed (``scripts/setup.sh`` does it).

Use them as context managers (or ``start()``/``stop()``): the test hygiene
fixture fails a test that leaves the thread or the node process behind.
"""

from tests.support.plugsim.base import PlugSim
from tests.support.plugsim.kasa_sim import KasaSim
from tests.support.plugsim.kasa_sim import simulator_available as kasa_simulator_available
from tests.support.plugsim.klap_sim import KlapSim
from tests.support.plugsim.shelly_sim import ShellySim
from tests.support.plugsim.tasmota_sim import TasmotaSim

__all__ = ["KasaSim", "KlapSim", "PlugSim", "ShellySim", "TasmotaSim", "kasa_simulator_available"]
