#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds tests/fuzz/fuzz_import.c with clang's libFuzzer and runs it for
# SECONDS (default 120) per format, each from seeds made of IMPORT.md's
# examples. Crashes land in build/fuzz/crash-import-<format>-*.
# Usage: tests/fuzz/run-import.sh [SECONDS] [FORMAT...]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-120}
shift || true
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(tekscan xsensor emed pedar pliance zebris-apd zebris-raw inbed matrix auto)
# Built by CMake with -DRMAT_FUZZ=ON (clang), as bench/fuzz builds every
# harness; RMAT_FUZZ_BUILD=DIR picks the folder.
out=${RMAT_FUZZ_BUILD:-build/fuzz}
cmake -S . -B "$out" -DCMAKE_C_COMPILER=clang -DRMAT_FUZZ=ON -DRMAT_BUILD_TESTS=OFF \
  -DRMAT_BUILD_BENCH=OFF -DRMAT_FIRMWARE=OFF -DRMAT_WERROR=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" -j"$(nproc)" --target fuzz_import >/dev/null
cp "$out/tests/fuzz/fuzz_import" "$out/fuzz_import"
seed() { mkdir -p "$out/corpus-$1"; printf "$2" > "$out/corpus-$1/seed$3"; }
seed tekscan 'DATA_TYPE MOVIE\nROWS 3\nCOLS 4\nROW_SPACING 0.25 centimeters\nCOL_SPACING 2 mm\nSENSEL_AREA 5 mm2\nSECONDS_PER_FRAME 0.01\nCOMMENTS:\nwalk trial 3\nSTART_FRAME 7\nEND_FRAME 8\nUNITS KPa \nASCII_DATA @@\n\nFrame 7\nB,10,20,B\n0,0,30,B\nB,B,0,B\n\nFrame 8, 0.01,, 1/2/2024,,,Raw Sum=,,15\nB,0,5,B\n0,10,0,B\nB,B,0,B\n\n@@\n' 1
seed xsensor '\xef\xbb\xbfFile:,"C:\\\\d,2.XSN",,\n,,\nUnits:,mmHg,,\n,,\nFRAME,301,,\nDate, 2024 Jan 02\nTime, 23:59:59.990\nSENSOR,XS-LF S1\nRows,2\nColumns,3\nSensel Width (cm),0.5\nSensel Height (cm),0.5\nContact Area (cm\xc2\xb2),0.75\nEst. Load (N),0.47\nSENSELS\n0,37.5,75,,\n30,0,0\nGROUP,1\nName,Heel\nCells,3\nSENSELS\n0,37.5,30\nFRAME,303\nDate, 2024 Jan 03\nTime, 00:00:00.003\nSENSOR,XS-LF S1\nRows,2\nColumns,3\nSensel Width (cm),0.5\nSensel Height (cm),0.5\nSENSELS\n0,1,2\n3,4,5\n' 1
seed emed '\n\t\t\t\tPage 1\n\n\tFile: C:\\\\t.dat \tMatrix: 6x5 \n\tSensor area: 0.25 cm\xb2\tTime/picture:20.0 ms\n\tSensor size: 0.500x0.500 cm\n\tPict-No.: 1  Force\n\n\t3\t4\t5\tForce\n2\t0.00\t40.00\t20.00\t1.50\n3\t10.00\t0.00\t0.00\t0.25\nForce\t0.25\t1.00\t0.50\t1.75\n\x0c\n\tMatrix: 6x5\n\tSensor area: 0.25 cm\xb2\tTime/picture:20.0 ms\n\tPict-No.: MPP\n\t3\tForce\n2\t4.00\t0.10\nForce\t0.10\t0.10\n\x0c\n\x0c' 1
seed pedar 'file name:  demo.sol\tdate/time  02.01.24 15.04\t\nsensor type:  q-0001l-0002r-xyz-01jan2024 \t\ntotal time [secs]:  0.020\ttime per frame [secs]:  0.01000\tscanning rate [Hz]:   100\t\npressure values in  kPa\t\n\nmask definition: \t\nleft insole: 1,2\t\nright insole: 1,2,\t\n\ntime[secs]    \t      1\t      2\t      1\t      2\t\n     0.01000\t 12.500\t 40.000\t  5.000\t  0.000\t\n     0.02000\t 15.000\t 37.500\t 10.000\t  7.500\t\n' 1
seed pliance 'file name: demo.mat date/time 02.01.24 15.04\nmat type demo_001\ntotal times [secs]: 0.300 time per frame [secs]: 0.05000 scanning rate [Hz]: 20\npressure values in kPa\n\n\nelectrical:\ntime[secs]       2       3      10      11\n    0.20000   0.000  20.000   0.000  40.000\n    0.25000  10.000   0.000  30.000   0.000\n        MPP  10.000  20.000  30.000  40.000\n        MVP   1.667   3.333   5.000   6.667\n\n\n time[secs] force[N]   x[cm]   y[cm]\n\n    0.15000    0.000       -       -\n    0.20000    3.000   0.417   1.500\n    0.25000    2.000   0.375   0.500\n\n\nsensor        2        3       10       11\ncorner[cm]\nx[0]     0.0000   0.0000   0.5000   0.5000\ny[0]     2.0000   1.0000   2.0000   1.0000\nx[1]     0.0000   0.0000   0.5000   0.5000\ny[1]     1.0000   0.0000   1.0000   0.0000\nx[2]     0.5000   0.5000   1.0000   1.0000\ny[2]     1.0000   0.0000   1.0000   0.0000\nx[3]     0.5000   0.5000   1.0000   1.0000\ny[3]     2.0000   1.0000   2.0000   1.0000\nx[c]     0.2500   0.2500   0.7500   0.7500\ny[c]     1.5000   0.5000   1.5000   0.5000\narea     0.5000   0.5000   0.5000   0.5000\n' 1
seed zebris-apd '[General]\nDescription=pedcad Importfile\nDate=02/01/2024\nTime=15.04.05\nUnitDistance=mm\nUnitPressure=N/cm2\n\n[Customer]\nFirstName=E\n\n[Technical]\nSensCountX=3\nSensCountY=4\nLDistX=8.0\nLDistY=7.5\n\n[Data]\n-1\t0.5\t2.0\t-1\n1.0\t12.5\t20.0\t-1\n-1\t3.0\t-1\t-1\n' 1
seed zebris-raw 'Person\tX\r\nApplication\tstatplat\r\nCreation date\t02/01/2024 15:04:05\r\nExercises\t{\r\n1\tGait\r\n}\r\nFrequency,Hz\t100.000\r\nCount\t2\r\n\r\nTime,ms\tl force,N\tr force,N\r\nCalibr\t\t\t\t\r\n\r\n0\t0.0\t4.2\r\n10\t0.0\t0.0\r\n\r\nPlatform {\r\nColumns\t3\r\nLines\t2\r\nCell width,mm\t7.5\r\nCell height,mm\t7.5\r\nUnits\tN/cm^2\r\nFrame count\t2\r\nFrequency\t100.00\r\n\r\nFrame 1 {\r\nEx\r\nTime, ms\t0.00\r\nCenter of force\t(x2,y1)\r\n\r\n\tx1\tx2\tx3\r\ny1\t0.00\t5.50\t2.00\r\ny2\t0.00\t0.00\t0.00\r\n}\r\nFrame 2 {\r\nTime, ms\t10.00\r\n\tx1\tx2\tx3\r\ny1\t0.00\t0.00\t0.00\r\ny2\t1.50\t0.00\t0.00\r\n}\r\n' 1
seed inbed '0\t0\t12\t0\t5\t0\t\n3\t0\t40\t7\t0\t0\t\n' 1
seed matrix 'Frame 3\nB,1.5,2,\n0,0.5,,\n\nFrame 4\nB,0,0\n1,0,B\n' 1
seed matrix '0,1.5,0,2,3.5,0\n0,2.0,0.5,1,3,0\n' 2
mkdir -p "$out/corpus-auto"; cp "$out"/corpus-*/seed* "$out/corpus-auto/" 2>/dev/null || true
for f in "${formats[@]}"; do
  for d in "$out"/corpus-*/; do :; done
  [ "$f" = auto ] || for s in "$out/corpus-$f"/seed*; do cp "$s" "$out/corpus-auto/$f-$(basename "$s")"; done
  echo "== $f ($secs s)"
  env ${f:+$( [ "$f" = auto ] || echo RMAT_FUZZ_FORMAT=$f )} "$out/fuzz_import" \
    -max_total_time="$secs" -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$out/crash-import-$f-" "$out/corpus-$f" 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|artifact_prefix)" || true
done
