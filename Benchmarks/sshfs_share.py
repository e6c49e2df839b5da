"""A real SSHFS share on loopback for the benchmark: its own sshd (a free port, fresh host and client keys,
key-only root login) exporting a folder, mounted with sshfs. The archiver and the baseline write to the same
mount, so both pay the same SFTP round trips.
"""
import os, shutil, socket, subprocess, tempfile, time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SSHFSShare:
    def __init__(self, work):
        self.base = tempfile.mkdtemp(prefix="bench-sshfs-", dir=work)
        self.export = os.path.join(self.base, "export")
        self.mount = os.path.join(self.base, "mnt")
        os.makedirs(self.export)
        os.makedirs(self.mount)
        self.port = free_port()
        host_key, client_key = os.path.join(self.base, "host_key"), os.path.join(self.base, "client_key")
        for key in (host_key, client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        shutil.copy(client_key + ".pub", os.path.join(self.base, "authorized_keys"))
        config = os.path.join(self.base, "sshd_config")
        sftp = next(p for p in ("/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server") if os.path.exists(p))
        open(config, "w").write(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {self.base}/sshd.pid\n"
            f"AuthorizedKeysFile {self.base}/authorized_keys\nPermitRootLogin prohibit-password\n"
            f"PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            f"Subsystem sftp {sftp}\n")
        os.makedirs("/run/sshd", exist_ok=True)
        self.sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", config], stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        subprocess.run(
            ["sshfs", f"root@127.0.0.1:{self.export}", self.mount, "-p", str(self.port), "-o",
             f"IdentityFile={client_key},StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes"],
            check=True)

    def close(self):
        subprocess.run(["fusermount", "-uz", self.mount])
        self.sshd.kill()
        self.sshd.wait()
        subprocess.run(["pkill", "-f", f"sshd.*{self.base}"])
        shutil.rmtree(self.base, ignore_errors=True)
