^FX packbench packing slip: 4x6 in, 203-dpi dots (scaled for 300 dpi); one label per
^FX 14 order lines, numbered page n/m. Placeholders: see src/core/label.h.
^XA
^CI28
^PW812
^LL1218
^LH0,0
^FO20,18^A@N,36,36,{{font}}^FDPHIẾU ĐÓNG GÓI / PACKING SLIP^FS
^FO20,64^A@N,30,30,{{font}}^FD{{order_no:24}}^FS
^FO440,66^A@N,24,24,{{font}}^FB352,1,0,R^FDTrang / Page {{page}}/{{pages}}^FS
^FO20,102^A@N,24,24,{{font}}^FD{{channel:20}} - {{shop:40}}^FS
^FO20,134^A@N,26,26,{{font}}^FD{{recipient:34}}  {{phone:20}}^FS
^FO20,168^A@N,22,22,{{font}}^FB772,2,2,L^FD{{address:100}}{{#district}}, {{district:30}}{{/district}}, {{province:30}}^FS
^FO20,222^GB772,3,3^FS
^FO20,232^A@N,22,22,{{font}}^FD#^FS
^FO60,232^A@N,22,22,{{font}}^FDSKU / Tên hàng - Name^FS
^FO560,232^A@N,22,22,{{font}}^FDLô / Lot^FS
^FO680,232^A@N,22,22,{{font}}^FB112,1,0,R^FDSL / Qty^FS
^FO20,260^GB772,2,2^FS
{{#lines y=270 step=62 rows=14}}
^FO20,{{y}}^A@N,26,26,{{font}}^FD{{n}}^FS
^FO60,{{y}}^A@N,26,26,{{font}}^FD{{sku:34}}^FS
^FO560,{{y}}^A@N,22,22,{{font}}^FB118,2,2,L^FD{{lot:24}}^FS
^FO680,{{y}}^A@N,36,36,{{font}}^FB112,1,0,R^FD{{qty}}^FS
^FO60,{{y+30}}^A@N,24,24,{{font}}^FD{{name:36}}^FS
^FO20,{{y+58}}^GB772,1,1^FS
{{/lines}}
^FO20,1150^A@N,26,26,{{font}}^FDTổng / Total: {{units}} SP / units, {{nlines}} dòng / lines^FS
^FO20,1184^A@N,22,22,{{font}}^FDĐóng gói / Packed: {{packed_at}}   Trạm / Station: {{station}}^FS
^XZ
