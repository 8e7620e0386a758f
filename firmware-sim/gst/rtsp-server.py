#!/usr/bin/python3
"""RTSP server of one simulated camera (Smart Commune firmware-sim).

Streams an H.264 MP4 in an endless loop as a live camera would: one producer pipeline reads the file
at real time (filesrc ! qtdemux ! h264parse ! appsink, looped with non-flushing segment seeks) and
hands every access unit, without decoding or re-encoding, to the appsrc of each playing RTSP media,
stamped with the frame's own instant on the shared system clock (the producer's running time, which
keeps increasing across the loop point, plus its base time) translated into the media's running
time: steady PTS steps, increasing forever. New clients start at the next keyframe.

Started and supervised by firmware-sim/src/cameras/rtsp-process.ts. Protocol on stdout: JSON lines,
{"event": "ready", "port": N} once clients can connect, {"event": "error", ...} before a failing exit.
Commands on stdin: JSON lines {"cmd": "stall"}, {"cmd": "resume"}, {"cmd": "password", "password": P}.
The process exits when stdin closes or its parent dies (PR_SET_PDEATHSIG), so it never outlives
the simulator. Debian packages: python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
(appsrc, appsink) gstreamer1.0-plugins-good (qtdemux, rtph264pay, rtpbin) gstreamer1.0-plugins-bad
(h264parse).
"""
import argparse
import ctypes
import json
import os
import signal
import sys
import threading


def emit(event, **fields):
    sys.stdout.write(json.dumps({'event': event, **fields}) + '\n')
    sys.stdout.flush()


def die_with_parent():
    try:
        libc = ctypes.CDLL('libc.so.6', use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    except OSError:
        pass


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--file', required=True, help='H.264 MP4 to loop (no B-frames, short GOP)')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0, help='0 picks a free port')
    p.add_argument('--path', default='/stream1')
    p.add_argument('--start', type=float, default=0.0, help='seconds into the clip where the stream begins')
    p.add_argument('--username', default='', help='require RTSP Digest authentication; the password '
                   'comes from $SC_RTSP_PASSWORD (not the command line, which ps shows)')
    p.add_argument('--stalled', action='store_true', help='start stalled (accepts clients, sends no frames)')
    return p.parse_args()


def main():
    die_with_parent()
    args = parse_args()
    try:
        import gi
        gi.require_version('Gst', '1.0')
        gi.require_version('GstRtsp', '1.0')
        gi.require_version('GstRtspServer', '1.0')
        from gi.repository import GLib, Gst, GstRtsp, GstRtspServer
    except (ImportError, ValueError) as err:
        emit('error', message=f'GStreamer RTSP server bindings missing ({err}); install python3-gi '
             'gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good '
             'gstreamer1.0-plugins-bad')
        sys.exit(3)

    Gst.init(None)
    loop = GLib.MainLoop()
    lock = threading.Lock()
    state = {'stalled': args.stalled, 'caps': None, 'ready': False, 'frame_duration': Gst.SECOND // 10}
    sources = {}  # appsrc of each media -> {'wait_key': bool, 'last': last PTS pushed}

    producer = Gst.parse_launch(
        'filesrc name=file ! qtdemux name=demux demux.video_0 ! h264parse '
        '! video/x-h264,stream-format=avc,alignment=au '
        '! appsink name=sink sync=true emit-signals=true max-buffers=8 drop=false')
    producer.get_by_name('file').set_property('location', args.file)
    sink = producer.get_by_name('sink')

    def on_sample(appsink):
        sample = appsink.emit('pull-sample')
        if sample is None:
            return Gst.FlowReturn.OK
        buf = sample.get_buffer()
        if buf.duration != Gst.CLOCK_TIME_NONE:
            state['frame_duration'] = buf.duration
        # The frame's time on the system clock, which every pipeline here uses: its running time in
        # the producer (continuous across the loop, as segment seeks accumulate) plus the base time.
        frame_time = sample.get_segment().to_running_time(Gst.Format.TIME, buf.pts) + appsink.get_base_time()
        with lock:
            if state['caps'] is None:
                state['caps'] = sample.get_caps()
                GLib.idle_add(start_server)
            if state['stalled']:
                return Gst.FlowReturn.OK
            keyframe = not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)
            targets = []
            for src, st in sources.items():
                if src.get_clock() is None:  # its media is not playing yet
                    continue
                if st['wait_key'] and not keyframe:
                    continue
                pts = frame_time - src.get_base_time()
                if pts < 0 or (st['last'] is not None and pts <= st['last']):
                    continue
                st['wait_key'] = False
                st['last'] = pts
                targets.append((src, pts))
        for src, pts in targets:
            out = buf.copy()
            # the same instant in the media pipeline's running time: steady 1/fps steps, no jitter
            out.pts = pts
            out.dts = pts
            src.emit('push-buffer', out)
        return Gst.FlowReturn.OK

    sink.connect('new-sample', on_sample)

    seeked = {'done': False}

    def on_bus(_bus, msg):
        if msg.type == Gst.MessageType.ASYNC_DONE and not seeked['done']:
            seeked['done'] = True
            # A segment seek: at its end SEGMENT_DONE (not EOS) arrives and the next non-flushing
            # segment seek continues the same running time, so the loop is seamless.
            producer.seek(1.0, Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.SEGMENT | Gst.SeekFlags.KEY_UNIT,
                          Gst.SeekType.SET, int(args.start * Gst.SECOND), Gst.SeekType.NONE, -1)
        elif msg.type == Gst.MessageType.SEGMENT_DONE:
            # The next segment's running time starts where the last frame started, not where it
            # ended (qtdemux accumulates the last position): shift it by one frame duration so that
            # the first frame of the next loop comes one frame after the last, not with it.
            pad = sink.get_static_pad('sink').get_peer()
            pad.set_offset(pad.get_offset() + state['frame_duration'])
            producer.seek(1.0, Gst.Format.TIME, Gst.SeekFlags.SEGMENT,
                          Gst.SeekType.SET, 0, Gst.SeekType.NONE, -1)
        elif msg.type == Gst.MessageType.EOS:  # demuxers that ignore segment seeks
            producer.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH, 0)
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            emit('error', message=f'producer: {err.message}', debug=debug or '')
            os._exit(4)
        return True

    bus = producer.get_bus()
    bus.add_watch(GLib.PRIORITY_DEFAULT, on_bus)

    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    # Clients in their own threads: a DESCRIBE waiting for a stalled stream must not block the rest.
    server.get_thread_pool().set_max_threads(16)

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        '( appsrc name=src is-live=true format=time max-bytes=4000000 leaky-type=downstream '
        '! rtph264pay name=pay0 pt=96 config-interval=-1 )')
    factory.set_shared(True)

    def user_token():
        token = GstRtspServer.RTSPToken()
        token.set_string('media.factory.role', 'user')
        return token

    auth = None
    if args.username:
        auth = GstRtspServer.RTSPAuth()
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(args.username, os.environ.get('SC_RTSP_PASSWORD', ''), user_token())
        server.set_auth(auth)
        factory.add_role_from_structure(Gst.Structure.from_string(
            'user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')[0])

    def on_media_configure(_factory, media):
        src = media.get_element().get_by_name('src')
        with lock:
            src.set_property('caps', state['caps'])
            sources[src] = {'wait_key': True, 'last': None}

        def on_unprepared(_media):
            with lock:
                sources.pop(src, None)
        media.connect('unprepared', on_unprepared)

    factory.connect('media-configure', on_media_configure)
    server.get_mount_points().add_factory(args.path, factory)

    def start_server():
        if state['ready']:
            return False
        state['ready'] = True
        try:
            server.attach(None)
        except GLib.Error as err:
            emit('error', message=f'cannot listen on {args.host}:{args.port}: {err.message}')
            os._exit(5)
        emit('ready', port=server.get_bound_port(), path=args.path)
        return False

    def commands():
        for line in sys.stdin:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            cmd = msg.get('cmd')
            if cmd == 'stall':
                with lock:
                    state['stalled'] = True
            elif cmd == 'resume':
                with lock:
                    state['stalled'] = False
                    for st in sources.values():
                        st['wait_key'] = True
            elif cmd == 'password' and auth is not None:
                auth.remove_digest(args.username)
                auth.add_digest(args.username, msg.get('password', ''), user_token())
            emit('ack', cmd=cmd)
        os._exit(0)  # stdin closed: the supervisor is gone or wants us gone

    threading.Thread(target=commands, daemon=True).start()
    if producer.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        emit('error', message=f'cannot play {args.file}')
        sys.exit(4)
    loop.run()


if __name__ == '__main__':
    main()
