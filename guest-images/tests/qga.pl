#!/usr/bin/perl
# qga.pl: a minimal qemu-guest-agent client for the tests (core Perl only).
#   qga.pl SOCKET ping TIMEOUT           wait until the agent answers
#   qga.pl SOCKET exec TIMEOUT PROG ARG... run PROG in the guest; its stdout
#                                        and stderr are printed, its exit
#                                        status is ours
# Every reply comes from the guest: parsed as JSON, bounded in time.
use strict;
use warnings;
use IO::Socket::UNIX;
use IO::Select;
use JSON::PP;
use MIME::Base64;
use Time::HiRes qw(time sleep);

sub usage { print STDERR "usage: qga.pl SOCKET ping TIMEOUT | SOCKET exec TIMEOUT PROG [ARG...]\n"; exit 2 }
my ($path, $cmd, $timeout, @prog) = @ARGV;
usage() unless defined $timeout && $timeout =~ /^\d+(\.\d+)?$/ && $cmd =~ /^(ping|exec)$/;
usage() if $cmd eq 'exec' && !@prog;
my $deadline = time + $timeout;
my $json = JSON::PP->new->utf8;
my ($sock, $buf) = (undef, '');

sub fail { print STDERR "qga: $_[0]\n"; exit 1 }

# One JSON reply line, or undef after $wait seconds.
sub reply {
	my ($wait) = @_;
	my $until = time + $wait;
	my $sel = IO::Select->new($sock);
	while (1) {
		if ($buf =~ s/^([^\n]*)\n//) {
			my $line = $1;
			$line =~ s/^\xff//;	# guest-sync-delimited sentinel
			next unless $line =~ /\S/;
			my $r = eval { $json->decode($line) };
			return $r if ref $r eq 'HASH';
			next;
		}
		my $left = $until - time;
		return undef if $left <= 0 || !$sel->can_read($left);
		my $n = sysread($sock, $buf, 65536, length $buf);
		return undef unless $n;
		fail("reply longer than 1 MiB") if length $buf > (1 << 20);
	}
}

sub call {
	my ($req, $wait) = @_;
	syswrite($sock, $json->encode($req) . "\n") or fail("write: $!");
	while (my $r = reply($wait)) {
		fail("$req->{execute}: $r->{error}{desc}") if $r->{error};
		return $r->{return} if exists $r->{return};
	}
	return undef;
}

# Connect and synchronise: the agent may not be up yet, and stale replies
# of an earlier connection may still be queued, so match the sync id.
my $id = int(rand(1 << 30));
while (1) {
	fail("no agent answer within ${timeout}s on $path") if time > $deadline;
	$sock = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path);
	if (!$sock) { sleep 0.2; next; }
	$buf = '';
	$id++;
	syswrite($sock, $json->encode({ execute => 'guest-sync', arguments => { id => $id } }) . "\n")
		or do { close $sock; sleep 0.2; next };
	my $synced = 0;
	while (my $r = reply(1)) {	# skip stale replies until ours
		if (defined $r->{return} && !ref $r->{return} && $r->{return} == $id) { $synced = 1; last }
	}
	last if $synced;
	close $sock;
	sleep 0.2;
}
exit 0 if $cmd eq 'ping';

my $r = call({ execute => 'guest-exec', arguments => {
	path => $prog[0], arg => [ @prog[1 .. $#prog] ], 'capture-output' => JSON::PP::true } }, 5);
fail("guest-exec $prog[0]: no pid") unless ref $r eq 'HASH' && defined $r->{pid};
my $pid = $r->{pid};
while (1) {
	fail("$prog[0] still running after ${timeout}s") if time > $deadline;
	my $s = call({ execute => 'guest-exec-status', arguments => { pid => $pid } }, 5);
	fail("guest-exec-status: no answer") unless ref $s eq 'HASH';
	if ($s->{exited}) {
		print decode_base64($s->{'out-data'}) if defined $s->{'out-data'};
		print STDERR decode_base64($s->{'err-data'}) if defined $s->{'err-data'};
		exit(defined $s->{exitcode} ? $s->{exitcode} : 1);
	}
	sleep 0.1;
}
