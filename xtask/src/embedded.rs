//! `cargo xtask embedded`: lucid-core on a microcontroller, under QEMU.
//!
//! Builds `examples/firmware` (its own workspace, thumbv7m-none-eabi, release: opt-level
//! "z", fat LTO; `client` with lucid-core's optional features off, `pair` with the server
//! side added, in two builds) and runs its two images on QEMU's `mps2-an385` (Cortex-M3)
//! with semihosting: `pair` (client and server handshaking in memory; prints
//! `handshake complete: VERSION, SUITE` and each side's peak heap, records what crossed) and
//! `client` (the client alone, replaying that recording). Then prints the flash size
//! (`.text` + `.rodata`, read from the ELF section headers) of both images and checks them
//! and the client's RAM against the targets (reported, not enforced; the RAM target
//! waits for max_fragment_length). Installs the rustup target and Debian's qemu-system-arm
//! when missing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::{Result, cargo, ci, deps, find_on_path, project_root, run};

const TARGET: &str = "thumbv7m-none-eabi";
const MACHINE: &str = "mps2-an385";
const QEMU: &str = "qemu-system-arm";
/// Each image finishes in about a second under QEMU; this only catches a hang.
const QEMU_TIMEOUT: Duration = Duration::from_secs(120);
/// The targets for the client.
const CLIENT_FLASH_TARGET: u64 = 160 * 1024;
const CLIENT_RAM_TARGET: u64 = 64 * 1024;

const USAGE: &str = "\
cargo xtask embedded: build examples/firmware for thumbv7m-none-eabi (release), run its
`pair` and `client` images under qemu-system-arm -machine mps2-an385 with semihosting, check
the `handshake complete:` lines, print flash (.text + .rodata) and peak heap/stack figures.
Installs the rustup target and qemu-system-arm (apt-get) when missing. Takes no options.
";

/// The figures of one run, for `cargo xtask ci`'s summary line.
#[derive(Debug)]
pub(crate) struct Figures {
    pub(crate) client_flash: u64,
    pub(crate) pair_flash: u64,
}

pub(crate) fn embedded(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        None => {}
        Some("-h" | "--help") => {
            print!("{USAGE}");
            return Ok(());
        }
        Some(other) => {
            return Err(
                format!("`cargo xtask embedded` takes no arguments (got `{other}`)").into(),
            );
        }
    }
    run_all().map(|_| ())
}

/// Everything `cargo xtask embedded` does; also the `embedded` step of `cargo xtask ci`.
pub(crate) fn run_all() -> Result<Figures> {
    let note = ci::ensure_target(TARGET)?;
    println!("{note}");
    ensure_qemu()?;

    let dir = firmware_dir();
    let target_dir = dir.join("target");
    // Two builds: `client` with lucid-core's default features off (the measured client),
    // `pair` with the firmware's `server` feature (lucid-core's server side). One build of
    // both would unify the features and link the server into `client` too.
    for args in [
        &["--bin", "client"][..],
        &["--bin", "pair", "--features", "server"][..],
    ] {
        let mut build = cargo();
        build
            .current_dir(&dir)
            .args(["build", "--release"])
            .args(args)
            // The firmware's .cargo/config.toml sets the target, the linker script and the
            // crypto backends' cfgs; a caller's RUSTFLAGS would replace all of them.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env("CARGO_TARGET_DIR", &target_dir);
        run(&mut build)?;
    }
    let bin = target_dir.join(TARGET).join("release");

    // QEMU's working directory is where the semihosted transcript file goes.
    let run_dir = target_dir.join("qemu");
    fs::create_dir_all(&run_dir)?;
    let transcript = run_dir.join("lucid-firmware-transcript.bin");
    if transcript.exists() {
        fs::remove_file(&transcript)?;
    }

    let pair_out = qemu(&bin.join("pair"), &run_dir)?;
    let handshake = pair_out
        .lines()
        .find(|l| l.starts_with("handshake complete: "))
        .ok_or("the `pair` image printed no `handshake complete:` line")?
        .to_owned();
    let client_out = qemu(&bin.join("client"), &run_dir)?;
    let client_handshake = client_out
        .lines()
        .find(|l| l.starts_with("client only: handshake complete: "))
        .ok_or("the `client` image printed no `client only: handshake complete:` line")?;
    if !client_handshake.contains(handshake.trim_start_matches("handshake complete: ")) {
        return Err(format!("`client` negotiated otherwise: {client_handshake}").into());
    }

    let pair_flash = flash_size(&fs::read(bin.join("pair"))?)?;
    let client_flash = flash_size(&fs::read(bin.join("client"))?)?;

    println!("\n==> embedded: {MACHINE} (Cortex-M3, {TARGET}), release, opt-level z, fat LTO");
    println!("{handshake}");
    println!(
        "flash (.text + .rodata), client image: {} ({} + {})",
        bytes(client_flash.total()),
        client_flash.text,
        client_flash.rodata
    );
    println!(
        "flash (.text + .rodata), client + server image: {} ({} + {})",
        bytes(pair_flash.total()),
        pair_flash.text,
        pair_flash.rodata
    );
    for line in pair_out.lines().chain(client_out.lines()) {
        if line.starts_with("peak ") {
            println!("{line}");
        }
    }

    let figure = |out: &str, prefix: &str| -> Result<u64> {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|rest| rest.trim().strip_suffix(" bytes"))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("no `{prefix} N bytes` line in the firmware's output").into())
    };
    let stack = figure(&client_out, "peak stack, client alone:")?;
    let mfl_heap = figure(
        &pair_out,
        "peak heap, client, max_fragment_length 2048, RecordBuffers::Preallocated:",
    )?;
    let mfl_heap_on_demand = figure(
        &pair_out,
        "peak heap, client, max_fragment_length 2048, RecordBuffers::OnDemand:",
    )?;
    println!("targets (issue 20), client that verifies a chain, RSA key exchange, AES-CBC-SHA:");
    println!(
        "    flash <= 160 KiB: {}: {}",
        bytes(client_flash.total()),
        mark(client_flash.total() <= CLIENT_FLASH_TARGET)
    );
    println!(
        "    RAM peak <= 64 KiB with max_fragment_length 2048: heap {mfl_heap} (preallocated \
         record buffers, the default; {mfl_heap_on_demand} on demand) + stack {stack} = {}: {}",
        bytes(mfl_heap + stack),
        mark(mfl_heap + stack <= CLIENT_RAM_TARGET),
    );
    Ok(Figures {
        client_flash: client_flash.total(),
        pair_flash: pair_flash.total(),
    })
}

fn mark(ok: bool) -> &'static str {
    if ok { "ok" } else { "NOT MET" }
}

fn bytes(n: u64) -> String {
    format!("{n} bytes ({:.1} KiB)", n as f64 / 1024.0)
}

fn firmware_dir() -> PathBuf {
    project_root().join("examples").join("firmware")
}

fn ensure_qemu() -> Result {
    if find_on_path(QEMU).is_some() {
        return Ok(());
    }
    println!("{QEMU} is missing: installing Debian's qemu-system-arm");
    deps::apt_install(&["qemu-system-arm"])?;
    if find_on_path(QEMU).is_none() {
        return Err(format!("apt-get installed qemu-system-arm but {QEMU} is not on PATH").into());
    }
    Ok(())
}

/// Runs `elf` under QEMU with semihosting in `cwd`, echoing and returning its output;
/// fails when it exits non-zero or outlives [`QEMU_TIMEOUT`].
fn qemu(elf: &Path, cwd: &Path) -> Result<String> {
    let mut cmd = Command::new(QEMU);
    cmd.current_dir(cwd)
        .args(["-machine", MACHINE, "-cpu", "cortex-m3", "-nographic"])
        .args(["-monitor", "none", "-serial", "none"])
        .args(["-semihosting-config", "enable=on,target=native"])
        .arg("-kernel")
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    println!("$ {}", crate::display(&cmd));
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start {QEMU}: {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > QEMU_TIMEOUT {
            child.kill()?;
            child.wait()?;
            return Err(format!(
                "{} did not finish within {} s",
                elf.display(),
                QEMU_TIMEOUT.as_secs()
            )
            .into());
        }
        thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    if !status.success() {
        return Err(format!("{} under QEMU failed ({status})", elf.display()).into());
    }
    Ok(stdout)
}

/// `.text` and `.rodata` of an ELF image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Flash {
    text: u64,
    rodata: u64,
}

impl Flash {
    fn total(self) -> u64 {
        self.text + self.rodata
    }
}

/// Reads `.text` and `.rodata` from the section headers of a 32- or 64-bit little-endian
/// ELF file.
fn flash_size(elf: &[u8]) -> Result<Flash> {
    let bad = |what: &str| format!("not a readable little-endian ELF file: {what}");
    if elf.get(..4) != Some(b"\x7fELF") {
        return Err(bad("no ELF magic").into());
    }
    let wide = match elf.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err(bad("unknown class").into()),
    };
    if elf.get(5) != Some(&1) {
        return Err(bad("big-endian").into());
    }
    let int = |at: usize, len: usize| -> Result<u64> {
        let b = elf.get(at..at + len).ok_or_else(|| bad("truncated"))?;
        Ok(b.iter().rev().fold(0, |n, &x| (n << 8) | u64::from(x)))
    };
    let word = if wide { 8 } else { 4 };
    let (shoff, shentsize, shnum, shstrndx) = if wide {
        (int(0x28, 8)?, int(0x3a, 2)?, int(0x3c, 2)?, int(0x3e, 2)?)
    } else {
        (int(0x20, 4)?, int(0x2e, 2)?, int(0x30, 2)?, int(0x32, 2)?)
    };
    let header = |i: u64| -> Result<(u64, u64, u64)> {
        let at = usize::try_from(shoff + i * shentsize)?;
        // sh_name, then sh_offset and sh_size after sh_type, sh_flags, sh_addr.
        let name = int(at, 4)?;
        let offset = int(at + 8 + 2 * word, word)?;
        let size = int(at + 8 + 3 * word, word)?;
        Ok((name, offset, size))
    };
    let (_, strtab, _) = header(shstrndx)?;
    let mut flash = Flash { text: 0, rodata: 0 };
    for i in 0..shnum {
        let (name, _, size) = header(i)?;
        let start = usize::try_from(strtab + name)?;
        let name = elf
            .get(start..)
            .and_then(|s| s.split(|&b| b == 0).next())
            .ok_or_else(|| bad("section name out of range"))?;
        match name {
            b".text" => flash.text += size,
            b".rodata" => flash.rodata += size,
            _ => {}
        }
    }
    if flash.text == 0 {
        return Err(bad("no .text section").into());
    }
    Ok(flash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal 32-bit ELF: a null section, .text (0x1234), .rodata (0x56), .shstrtab.
    fn elf32() -> Vec<u8> {
        let names = b"\0.text\0.rodata\0.shstrtab\0";
        let mut f = vec![0_u8; 0x34];
        f[..6].copy_from_slice(b"\x7fELF\x01\x01");
        let strtab = f.len();
        f.extend_from_slice(names);
        let shoff = f.len();
        let section = |name: u32, offset: u32, size: u32| {
            let mut s = vec![0_u8; 40];
            s[0..4].copy_from_slice(&name.to_le_bytes());
            s[16..20].copy_from_slice(&offset.to_le_bytes());
            s[20..24].copy_from_slice(&size.to_le_bytes());
            s
        };
        f.extend(section(0, 0, 0));
        f.extend(section(1, 0, 0x1234));
        f.extend(section(7, 0, 0x56));
        f.extend(section(15, strtab as u32, names.len() as u32));
        f[0x20..0x24].copy_from_slice(&(shoff as u32).to_le_bytes());
        f[0x2e..0x30].copy_from_slice(&40_u16.to_le_bytes());
        f[0x30..0x32].copy_from_slice(&4_u16.to_le_bytes());
        f[0x32..0x34].copy_from_slice(&3_u16.to_le_bytes());
        f
    }

    #[test]
    fn reads_text_and_rodata() {
        let flash = flash_size(&elf32()).unwrap();
        assert_eq!(
            flash,
            Flash {
                text: 0x1234,
                rodata: 0x56
            }
        );
        assert_eq!(flash.total(), 0x1234 + 0x56);
    }

    #[test]
    fn rejects_what_is_not_an_elf_file() {
        assert!(flash_size(b"MZ\0\0").is_err());
        let elf = elf32();
        // Cut in the header, in the section table, in .shstrtab's offset and size.
        for len in [0, 4, 6, 0x20, 0x40, elf.len() - 20] {
            assert!(flash_size(&elf[..len]).is_err(), "{len}");
        }
    }
}
