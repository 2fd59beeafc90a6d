#!/bin/bash
# Alternative: Perl, byte-oriented, over a NUL-separated file list from find (hidden files included, C-locale
# sorted); rows collected and sorted in Perl, files rewritten only when a secret was found.
set -euo pipefail
export LC_ALL=C
cd @@root@@
mkdir -p "$(dirname @@report@@)"
cat > /tmp/alt_scan.pl <<'PL'
use strict;
use warnings;
my ($report, $redact) = @ARGV;
my %allow;
if (open(my $fh, '<', '.secrets-allowlist')) {
    while (my $l = <$fh>) {
        next if $l =~ /^#/;
        $l =~ s/^\s+|\s+$//g;
        $allow{$l} = 1 if $l ne '';
    }
    close $fh;
}
my @pat = (
    ['aws_access_key_id', qr/(?<![A-Z0-9])(AKIA[A-Z0-9]{16})(?![A-Z0-9])/],
    ['aws_secret_access_key', qr/(?i:secret_access_key)["']?\s*[:=]\s*["']?([A-Za-z0-9\/+]{40})(?![A-Za-z0-9\/+])/],
    ['github_token', qr/(?<![A-Za-z0-9])(ghp_[A-Za-z0-9]{36})(?![A-Za-z0-9])/],
    ['slack_token', qr/(?<![A-Za-z0-9])(xoxb-[0-9]+-[0-9]+-[A-Za-z0-9]{24})(?![A-Za-z0-9])/],
    ['stripe_key', qr/(?<![A-Za-z0-9])(sk_live_[A-Za-z0-9]{24})(?![A-Za-z0-9])/],
    ['password_in_url', qr/[A-Za-z][A-Za-z0-9+.\-]*:\/\/[^\s:\/@]+:([^\s@\/]+)@/],
);
my @files = do { local $/; my $all = <STDIN>; grep { $_ ne '' } split /\0/, $all };
my @rows;
for my $path (@files) {
    (my $rel = $path) =~ s{^\./}{};
    open(my $in, '<:raw', $path) or die "$path: $!";
    my $data = do { local $/; <$in> };
    close $in;
    my @lines = $data =~ /([^\n]*\n|[^\n]+\z)/g;
    my ($out, $hits) = ('', 0);
    for (my $i = 0; $i < @lines; $i++) {
        my ($body, $eol) = $lines[$i] =~ /^(.*?)(\r?\n?)\z/s;
        if ($body =~ /^(\s*)-----BEGIN [A-Z ]*PRIVATE KEY-----/) {
            my $indent = $1;
            my $j = $i;
            $j++ while $j < $#lines && index($lines[$j], '-----END ') < 0;
            my ($end_eol) = $lines[$j] =~ /(\r?\n?)\z/;
            push @rows, [$rel, $i + 1, 'private_key'];
            $out .= $indent . '***REDACTED PRIVATE KEY***' . $end_eol;
            $hits++;
            $i = $j;
            next;
        }
        my @spans;
        for my $p (@pat) {
            my ($kind, $rx) = @$p;
            while ($body =~ /$rx/g) {
                my ($s, $e, $val) = ($-[1], $+[1], $1);
                next if $allow{$val} || ($kind eq 'password_in_url' && substr($val, 0, 2) eq '${');
                push @spans, [$s, $e, $kind];
            }
        }
        for my $sp (sort { $b->[0] <=> $a->[0] } @spans) {
            substr($body, $sp->[0], $sp->[1] - $sp->[0]) = '***REDACTED***';
            push @rows, [$rel, $i + 1, $sp->[2]];
            $hits++;
        }
        $out .= $body . $eol;
    }
    if ($redact && $hits) {
        open(my $o, '>:raw', $path) or die "$path: $!";
        print $o $out;
        close $o;
    }
}
open(my $r, '>', $report) or die "$report: $!";
print $r "file,line,type\n";
print $r join(',', @$_), "\n" for sort { $a->[0] cmp $b->[0] || $a->[1] <=> $b->[1] || $a->[2] cmp $b->[2] } @rows;
close $r;
PL
find . -type f ! -path ./.secrets-allowlist -print0 | sort -z | perl /tmp/alt_scan.pl @@report@@ @@redact@@
cat @@report@@
