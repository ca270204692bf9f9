^FX packbench command barcodes for the packing station: 4x6 in, 203-dpi dots (scaled
^FX for 300 dpi). Each Code 128 symbol carries the command the station reads from a scan.
^XA
^CI28
^PW812
^LL1218
^LH0,0
^FO20,20^A@N,34,34,{{font}}^FDMÃ LỆNH / COMMAND BARCODES^FS
^FO20,62^A@N,22,22,{{font}}^FDQuét để thực hiện lệnh / Scan to run a command^FS
^FO20,94^GB772,3,3^FS
{{#commands y=112 step=156 rows=7}}
^FO60,{{y}}^BY2,3,86^BCN,86,N,N,N^FD{{code}}^FS
^FO60,{{y+94}}^A@N,28,28,{{font}}^FD{{code}}   {{caption}}^FS
^FO20,{{y+140}}^GB772,1,1^FS
{{/commands}}
^XZ
